;;; emacs_lsp.el --- harness for the Emacs + eglot end-to-end scenarios -*- lexical-binding: t -*-

;; Used by tests/e2e/test_emacs.py through `emacs --batch -Q -l emacs_SCENARIO.el'.
;; The Python test passes, through the environment:
;;   CLAUDE_LSP_E2E_CMD     the server command, a JSON list
;;   CLAUDE_LSP_E2E_FILE    the Python file to open (its folder is the workspace)
;;   CLAUDE_LSP_E2E_RESULT  where to write the JSON result
;;   CLAUDE_LSP_E2E_ELPA    optional: the folder holding eglot (default: Debian's)
;;   CLAUDE_LSP_E2E_WAIT_MS optional: how long to wait for the server (default 10000)
;; A scenario calls `claude-lsp-e2e-run' with a function that returns an alist of what
;; the editor saw; the Python test asserts the exact values.  Errors end in
;; `(kill-emacs 1)' after writing {"ok": false, "error": ...} and the eglot buffers.

;;; Code:

(require 'package)
(setq package-directory-list
      (list (or (getenv "CLAUDE_LSP_E2E_ELPA") "/usr/share/emacs/site-lisp/elpa")))
(package-initialize)
(require 'eglot)
(require 'json)
(require 'cl-lib)

(defconst claude-lsp-e2e-timeout
  (/ (string-to-number (or (getenv "CLAUDE_LSP_E2E_WAIT_MS") "10000")) 1000.0)
  "Seconds to wait for the server.")

(defvar claude-lsp-e2e-published nil
  "The publishDiagnostics params received, newest first, as eglot parsed them.")

(defun claude-lsp-e2e--env (name)
  (let ((value (getenv name)))
    (if (and value (not (string-empty-p value)))
        value
      (error "Environment variable %s is not set" name))))

(defun claude-lsp-e2e--record (_server method &rest params)
  (when (eq method 'textDocument/publishDiagnostics)
    (push params claude-lsp-e2e-published)))

(advice-add 'eglot-handle-notification :before #'claude-lsp-e2e--record)

(defun claude-lsp-e2e--position (pos)
  "POS as a zero-based (line . column) pair."
  (save-excursion
    (goto-char pos)
    (cons (1- (line-number-at-pos pos t)) (- pos (line-beginning-position)))))

(defun claude-lsp-e2e-shown ()
  "The current buffer's Flymake diagnostics, reduced to what the tests compare."
  (cl-map 'vector
   (lambda (diag)
     (let ((beg (claude-lsp-e2e--position (flymake-diagnostic-beg diag))))
       `((line . ,(car beg))
         (column . ,(cdr beg))
         (type . ,(symbol-name (flymake-diagnostic-type diag)))
         (text . ,(flymake-diagnostic-text diag))
         (lsp . ,(alist-get 'eglot-lsp-diag (flymake-diagnostic-data diag))))))
   (flymake-diagnostics)))

(defun claude-lsp-e2e-wait-for (what predicate)
  "Pump the server's output until PREDICATE holds, or signal an error naming WHAT."
  (let ((deadline (+ (float-time) claude-lsp-e2e-timeout))
        (server (eglot-current-server)))
    (while (not (funcall predicate))
      (unless (jsonrpc-running-p server)
        (error "The server exited while waiting for %s" what))
      (when (> (float-time) deadline)
        (error "Timed out after %ss waiting for %s; shown: %S; published: %S"
               claude-lsp-e2e-timeout what (claude-lsp-e2e-shown) claude-lsp-e2e-published))
      (accept-process-output nil 0.02))))

(defun claude-lsp-e2e-go-idle ()
  "Run the idle timers, as Emacs does when the user stops typing.
Batch Emacs never becomes idle, so the timers eglot (didChange, after
`eglot-send-changes-idle-time') and Flymake (a new check, after
`flymake-no-changes-timeout') arm on an edit would never fire on their own."
  (dolist (timer (copy-sequence timer-idle-list))
    (timer-event-handler timer)))

(defun claude-lsp-e2e--start ()
  "Open the file, connect eglot to the server, and start Flymake."
  (setq eglot-server-programs
        (list (cons 'python-mode (append (json-read-from-string
                                          (claude-lsp-e2e--env "CLAUDE_LSP_E2E_CMD"))
                                         nil)))
        eglot-sync-connect t
        eglot-confirm-server-initiated-edits nil
        eglot-autoreconnect nil)
  (find-file (claude-lsp-e2e--env "CLAUDE_LSP_E2E_FILE"))
  (unless (eq major-mode 'python-mode)
    (error "Major mode is %s, not python-mode" major-mode))
  (call-interactively #'eglot)
  (unless (eglot-managed-p)
    (error "Eglot does not manage %s" (buffer-name)))
  (flymake-start))

(defun claude-lsp-e2e--write (result)
  (with-temp-file (claude-lsp-e2e--env "CLAUDE_LSP_E2E_RESULT")
    (insert (json-encode result))))

(defun claude-lsp-e2e--dump-eglot-buffers ()
  "Print eglot's events and stderr buffers, for the failure report."
  (dolist (buffer (buffer-list))
    (when (string-prefix-p "*EGLOT" (buffer-name buffer))
      (message "---- %s ----\n%s" (buffer-name buffer)
               (with-current-buffer buffer (buffer-string))))))

(defun claude-lsp-e2e-run (scenario)
  "Start the session, call SCENARIO, write its alist as the result, and exit."
  (condition-case err
      (let ((observed (progn (claude-lsp-e2e--start) (funcall scenario))))
        (claude-lsp-e2e--write `((ok . t) (observed . ,observed)))
        (let ((server (eglot-current-server)))
          (when server
            (eglot-shutdown server)))
        (princ "CLAUDE-LSP-E2E: OK\n")
        (kill-emacs 0))
    (error
     (ignore-errors
       (claude-lsp-e2e--write `((ok . :json-false) (error . ,(error-message-string err)))))
     (claude-lsp-e2e--dump-eglot-buffers)
     (princ (format "CLAUDE-LSP-E2E: FAILED\n%s\n" (error-message-string err)))
     (kill-emacs 1))))

(provide 'emacs_lsp)
;;; emacs_lsp.el ends here
