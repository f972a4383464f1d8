;;; emacs_diagnostics.el --- scenario 1: a syntax error reaches Flymake -*- lexical-binding: t -*-
;;; Code:
(load (expand-file-name "emacs_lsp.el" (file-name-directory load-file-name)) nil t)

(claude-lsp-e2e-run
 (lambda ()
   (claude-lsp-e2e-wait-for "a diagnostic to be shown" #'flymake-diagnostics)
   `((shown . ,(claude-lsp-e2e-shown))
     (published . ,(vconcat (reverse claude-lsp-e2e-published)))
     (buffer_version . ,eglot--versioned-identifier))))
;;; emacs_diagnostics.el ends here
