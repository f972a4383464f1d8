;;; emacs_symbols.el --- scenario 2: document symbols, raw and as imenu -*- lexical-binding: t -*-
;;; Code:
(load (expand-file-name "emacs_lsp.el" (file-name-directory load-file-name)) nil t)

(defun claude-lsp-e2e--imenu-json (index)
  "INDEX, an imenu alist, as JSON: [name, [line, column]] or [name, children]."
  (cl-map 'vector
          (lambda (item)
            (if (consp (cdr item))
                (vector (car item) (claude-lsp-e2e--imenu-json (cdr item)))
              (let ((at (claude-lsp-e2e--position (cdr item))))
                (vector (car item) (vector (car at) (cdr at))))))
          index))

(claude-lsp-e2e-run
 (lambda ()
   `((symbols . ,(jsonrpc-request (eglot-current-server) :textDocument/documentSymbol
                                  `(:textDocument ,(eglot--TextDocumentIdentifier))))
     (imenu . ,(claude-lsp-e2e--imenu-json (funcall imenu-create-index-function))))))
;;; emacs_symbols.el ends here
