;;; emacs_edit.el --- scenario 3: typing the fix clears the diagnostic -*- lexical-binding: t -*-
;;; Code:
(load (expand-file-name "emacs_lsp.el" (file-name-directory load-file-name)) nil t)

(claude-lsp-e2e-run
 (lambda ()
   (claude-lsp-e2e-wait-for "the syntax error to be shown" #'flymake-diagnostics)
   (let ((before (claude-lsp-e2e-shown))
         (publishes (length claude-lsp-e2e-published)))
     (goto-char (point-min))
     (forward-char 6)
     (insert ")")
     (claude-lsp-e2e-go-idle)
     (claude-lsp-e2e-wait-for
      "the diagnostics to clear after the edit"
      (lambda () (and (> (length claude-lsp-e2e-published) publishes)
                      (null (flymake-diagnostics)))))
     `((before . ,before)
       (text . ,(buffer-substring-no-properties (point-min) (point-max)))
       (after . ,(claude-lsp-e2e-shown))
       (last_publish . ,(car claude-lsp-e2e-published))
       (buffer_version . ,eglot--versioned-identifier)))))
;;; emacs_edit.el ends here
