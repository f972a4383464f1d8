;;; emacs_refactor.el --- rename across two files, then extract through a command -*- lexical-binding: t -*-

;; Two steps on shop.py (cart.py imports from it):
;; (a) `eglot-rename': eglot applies the workspace edit; cart.py is not visited yet, so
;;     eglot asks first (the prompt is recorded and answered yes), then the buffers are
;;     saved;
;; (b) `eglot-code-actions' on a selection, as a user runs it: eglot 1.9 has no
;;     codeAction/resolve, so the action carries the server's command; eglot runs it
;;     and the server sends the edit with workspace/applyEdit, which eglot applies.
;;     `completing-read' is stubbed to pick "Extract variable", `last-nonmenu-event'
;;     is bound to `batch' so eglot does not pop up a mouse menu.

;;; Code:
(load (expand-file-name "emacs_lsp.el" (file-name-directory load-file-name)) nil t)

(defvar claude-lsp-e2e-apply-edits 0 "The workspace/applyEdit requests received.")

(defun claude-lsp-e2e--count-apply-edit (_server method &rest _params)
  (when (eq method 'workspace/applyEdit)
    (setq claude-lsp-e2e-apply-edits (1+ claude-lsp-e2e-apply-edits))))

(advice-add 'eglot-handle-request :before #'claude-lsp-e2e--count-apply-edit)

(defun claude-lsp-e2e--text (buffer)
  (with-current-buffer buffer
    (buffer-substring-no-properties (point-min) (point-max))))

(defun claude-lsp-e2e--position-at (line column)
  "The point at zero-based LINE and COLUMN of the current buffer."
  (save-excursion
    (goto-char (point-min))
    (forward-line line)
    (+ (point) column)))

(defun claude-lsp-e2e--synced ()
  "Send pending changes (eglot does on idle), then wait for the server's publish."
  (claude-lsp-e2e-go-idle)
  (claude-lsp-e2e-wait-for
   "the diagnostics for the current version"
   (lambda ()
     (let ((last (car claude-lsp-e2e-published)))
       (and last (equal (plist-get last :version) eglot--versioned-identifier))))))

(defun claude-lsp-e2e--rename ()
  (let* ((shop (current-buffer))
         (cart-file (expand-file-name "cart.py" default-directory))
         (prompts nil))
    (goto-char (claude-lsp-e2e--position-at 0 5))
    (cl-letf (((symbol-function 'y-or-n-p)
               (lambda (prompt) (push prompt prompts) t)))
      (eglot-rename "total_price"))
    (let ((cart (or (find-buffer-visiting cart-file)
                    (error "Eglot did not open %s" cart-file))))
      (prog1 `((prompts . ,(vconcat (nreverse prompts)))
               (shop . ,(claude-lsp-e2e--text shop))
               (cart . ,(claude-lsp-e2e--text cart)))
        (save-some-buffers t)))))

(defun claude-lsp-e2e--extract ()
  (claude-lsp-e2e--synced)
  (let ((offered nil)
        (before (claude-lsp-e2e--text (current-buffer)))
        (beg (claude-lsp-e2e--position-at 1 11))
        (end (claude-lsp-e2e--position-at 1 21))
        (last-nonmenu-event 'batch))
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq offered (mapcar #'car collection))
                 "Extract variable")))
      (eglot-code-actions beg end nil t))
    (claude-lsp-e2e-wait-for
     "the extracted variable to be applied"
     (lambda () (not (equal (claude-lsp-e2e--text (current-buffer)) before))))
    (prog1 `((offered . ,(vconcat offered))
             (apply_edit_requests . ,claude-lsp-e2e-apply-edits)
             (text . ,(claude-lsp-e2e--text (current-buffer))))
      (save-buffer))))

(claude-lsp-e2e-run
 (lambda ()
   (claude-lsp-e2e-wait-for "the first publishDiagnostics"
                            (lambda () claude-lsp-e2e-published))
   `((renamed . ,(claude-lsp-e2e--rename))
     (extracted . ,(claude-lsp-e2e--extract)))))
;;; emacs_refactor.el ends here
