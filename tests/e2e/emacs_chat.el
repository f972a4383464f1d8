;;; emacs_chat.el --- claude.chat from eglot: an allowed edit, a denied one -*- lexical-binding: t -*-

;; Two turns of one session on shop.py (the model is the test's loopback API, scripted):
;; (a) `eglot-execute-command' claude.chat with a prompt; eglot 1.9 cannot showDocument,
;;     so the server says where the transcript is (window/showMessage); the model edits
;;     shop.py, the permission question (window/showMessageRequest, which eglot asks
;;     with `completing-read') is answered "Allow once", and the edit lands in the
;;     buffer; the transcript file then holds the prompt and the answer;
;; (b) the README's snippet (claude_ask.el): lines selected, C-c a, the question typed
;;     into `read-string'; the snippet visits the transcript from the command's result
;;     with `auto-revert-mode', the server (which has no buffer of it) writes the answer
;;     to the file as it streams, and the buffer follows; the model's edit is denied.
;; Batch Emacs is never idle: the waits run the idle timers, as Emacs does when the user
;; stops typing, so eglot sends its didChange after an edit. Auto-revert polls (as it
;; does where file notifications are unavailable): batch Emacs reads no notifications.

;;; Code:
(defconst claude-lsp-e2e-here (file-name-directory load-file-name))
(load (expand-file-name "emacs_lsp.el" claude-lsp-e2e-here) nil t)

(transient-mark-mode 1) ; on in an interactive Emacs; `use-region-p' needs it
(setq auto-revert-use-notify nil auto-revert-interval 0.1 auto-revert-verbose nil)

(defvar claude-lsp-e2e-answers '("Allow once" "Deny") "Answers to the permission prompts.")
(defvar claude-lsp-e2e-questions nil "The prompts and options eglot asked, newest first.")
(defvar claude-lsp-e2e-messages nil "The window/showMessage texts, newest first.")
(defvar claude-lsp-e2e-edits nil "The uris of each workspace/applyEdit, newest first.")

(defun claude-lsp-e2e--answer (prompt collection &rest _)
  "eglot 1.9 asks window/showMessageRequest with `completing-read'."
  (push `((prompt . ,prompt) (options . ,(vconcat collection))) claude-lsp-e2e-questions)
  (or (pop claude-lsp-e2e-answers) (error "Unexpected question: %s" prompt)))

(defun claude-lsp-e2e--record-message (_server method &rest params)
  (when (eq method 'window/showMessage)
    (push (plist-get params :message) claude-lsp-e2e-messages)))

(defun claude-lsp-e2e--record-edit (_server method &rest params)
  (when (eq method 'workspace/applyEdit)
    (let ((edit (plist-get params :edit)))
      (push (vconcat (mapcar (lambda (change) (plist-get (plist-get change :textDocument) :uri))
                             (plist-get edit :documentChanges)))
            claude-lsp-e2e-edits))))

(advice-add 'completing-read :override #'claude-lsp-e2e--answer)
(advice-add 'eglot-handle-notification :before #'claude-lsp-e2e--record-message)
(advice-add 'eglot-handle-request :before #'claude-lsp-e2e--record-edit)

(defun claude-lsp-e2e--text (buffer)
  (with-current-buffer buffer
    (buffer-substring-no-properties (point-min) (point-max))))

(defun claude-lsp-e2e--file-text (path)
  (with-temp-buffer
    (insert-file-contents path)
    (buffer-string)))

(defun claude-lsp-e2e--wait-idle (what predicate)
  "Like `claude-lsp-e2e-wait-for', going idle between polls."
  (claude-lsp-e2e-wait-for what (lambda () (claude-lsp-e2e-go-idle) (funcall predicate))))

(defun claude-lsp-e2e--turn-ended (text prompt)
  "Whether TEXT shows the end of the turn that PROMPT started."
  (let ((at (string-search (concat "> " prompt "\n") text)))
    (and at (string-search "\n*end_turn" text at))))

(defun claude-lsp-e2e--execute-command ()
  (let* ((shop (current-buffer))
         (before (claude-lsp-e2e--text shop))
         ;; the first claude.chat loads the SDK: on a loaded machine, longer than 10 s
         (answer (let ((jsonrpc-default-request-timeout claude-lsp-e2e-timeout))
                   (eglot-execute-command (eglot-current-server) 'claude.chat
                                          ["Document total()"])))
         (path (eglot--uri-to-path (plist-get answer :uri))))
    (claude-lsp-e2e--wait-idle
     "the edit, and the end of the turn in the transcript file"
     (lambda ()
       (and (not (equal (claude-lsp-e2e--text shop) before))
            (file-exists-p path)
            (claude-lsp-e2e--turn-ended (claude-lsp-e2e--file-text path) "Document total()"))))
    (prog1 `((result_keys . ,(vconcat (cl-loop for (key _) on answer by #'cddr collect key)))
             (transcript_path . ,path)
             (messages . ,(vconcat (reverse claude-lsp-e2e-messages)))
             (questions . ,(vconcat (reverse claude-lsp-e2e-questions)))
             (edits . ,(vconcat (reverse claude-lsp-e2e-edits)))
             (buffer . ,(claude-lsp-e2e--text shop))
             (transcript . ,(claude-lsp-e2e--file-text path)))
      (save-buffer))))

(defun claude-lsp-e2e--snippet (path)
  (setq claude-lsp-e2e-messages nil claude-lsp-e2e-questions nil claude-lsp-e2e-edits nil)
  (load (expand-file-name "claude_ask.el" claude-lsp-e2e-here) nil t)
  (let* ((shop (current-buffer))
         (before (claude-lsp-e2e--text shop))
         (asked nil)
         (transcript nil))
    (goto-char (point-min))
    (set-mark (point))
    (forward-line 3)
    (activate-mark)
    (cl-letf (((symbol-function 'read-string)
               (lambda (prompt &rest _) (push prompt asked) "Round it to cents")))
      (call-interactively (key-binding (kbd "C-c a"))))
    (setq transcript (or (find-buffer-visiting path) (error "%s is not visited" path)))
    (with-current-buffer shop ; the buffer eglot manages
      (claude-lsp-e2e--wait-idle
       "the answer in the transcript buffer"
       (lambda ()
         (claude-lsp-e2e--turn-ended (claude-lsp-e2e--text transcript) "Round it to cents"))))
    (prog1 `((asked . ,(vconcat asked))
      (shown . ,(eq (window-buffer (selected-window)) transcript))
      (auto_revert . ,(if (buffer-local-value 'auto-revert-mode transcript) t :json-false))
      (managed . ,(if (with-current-buffer transcript (eglot-managed-p)) t :json-false))
      (transcript . ,(claude-lsp-e2e--text transcript))
      (transcript_on_disk . ,(claude-lsp-e2e--file-text path))
      (messages . ,(vconcat (reverse claude-lsp-e2e-messages)))
      (questions . ,(vconcat (reverse claude-lsp-e2e-questions)))
      (edits . ,(vconcat (reverse claude-lsp-e2e-edits)))
      (buffer_unchanged . ,(if (equal (claude-lsp-e2e--text shop) before) t :json-false))
      (modified . ,(if (buffer-modified-p shop) t :json-false)))
      (set-buffer shop)))) ; the harness shuts down the current buffer's server

(claude-lsp-e2e-run
 (lambda ()
   (claude-lsp-e2e-wait-for "the first publishDiagnostics"
                            (lambda () claude-lsp-e2e-published))
   (let ((command (claude-lsp-e2e--execute-command)))
     `((command . ,command)
       (snippet . ,(claude-lsp-e2e--snippet (alist-get 'transcript_path command)))))))
;;; emacs_chat.el ends here
