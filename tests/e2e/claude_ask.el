;; Ask Claude about the region (Emacs 28+, eglot): select lines, C-c a, type the question.
;; The answer streams into the session's transcript, shown in another window.
(require 'eglot)

(defun claude-ask (beg end question)
  "Ask Claude QUESTION about the lines from BEG to END, through claude-lsp."
  (interactive (if (use-region-p)
                   (list (region-beginning) (region-end) (read-string "Ask Claude: "))
                 (user-error "Select the lines to ask about")))
  (let* ((server (or (eglot-current-server) (user-error "Eglot does not manage this buffer")))
         (last (if (and (> end beg) (eq (char-before end) ?\n)) (1- end) end))
         (selection `(:uri ,(eglot--path-to-uri buffer-file-name) ; eglot-path-to-uri in 1.16+
                      :range (:start (:line ,(1- (line-number-at-pos beg)) :character 0)
                              :end (:line ,(line-number-at-pos last) :character 0))))
         ;; the first question of a session loads the model's SDK: allow more than 10 s
         (answer (jsonrpc-request server :workspace/executeCommand
                                  `(:command "claude.chat" :arguments [,question ,selection])
                                  :timeout 60)))
    (find-file-other-window (eglot--uri-to-path (plist-get answer :uri)))
    (auto-revert-mode 1))) ; the server writes the answer to the file as it comes

;; The server asks before each edit (window/showMessageRequest): eglot need not ask again.
(setq eglot-confirm-server-initiated-edits nil)
(global-set-key (kbd "C-c a") #'claude-ask)
