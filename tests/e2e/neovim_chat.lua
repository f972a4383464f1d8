-- claude.chat from Neovim 0.7, two turns of one session on shop.py (the model is the
-- test's loopback API, scripted):
-- (1) `vim.lsp.buf.execute_command` with a prompt; Neovim 0.7 cannot showDocument, so
--     the server says where the transcript is (window/showMessage); the model edits
--     shop.py, the permission question (window/showMessageRequest, which Neovim 0.7.2
--     asks with `vim.fn.inputlist`) is answered "Allow once", and the edit lands in the
--     buffer; the transcript file then holds the prompt and the answer;
-- (2) the README's snippet (claude_ask.lua): lines selected, `<leader>ca`, the question
--     typed into `vim.ui.input`; the snippet opens the transcript from the command's
--     result, the user's config attaches claude-lsp to markdown buffers, and the answer
--     streams into that buffer; the model's edit is denied in the prompt.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local harness = dofile(here .. 'neovim_lsp.lua')

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, true)
end

local function contains(list, wanted)
  for _, line in ipairs(list) do
    if line:find(wanted, 1, true) then
      return true
    end
  end
  return false
end

-- What the user sees: messages, permission prompts (answered from `answers`) and the
-- workspace edits Neovim applied, each recorded in `seen`.
local function record(seen, answers)
  local show_message = vim.lsp.handlers['window/showMessage']
  vim.lsp.handlers['window/showMessage'] = function(err, result, ctx, config)
    table.insert(seen.messages, result.message)
    return show_message(err, result, ctx, config)
  end
  local apply_edit = vim.lsp.handlers['workspace/applyEdit']
  vim.lsp.handlers['workspace/applyEdit'] = function(err, result, ctx, config)
    local uris = {}
    for uri in pairs(result.edit.changes or {}) do
      table.insert(uris, uri)
    end
    table.insert(seen.edits, { label = result.label, uris = uris })
    return apply_edit(err, result, ctx, config)
  end
  -- Neovim 0.7.2's window/showMessageRequest handler lists the actions with
  -- `vim.fn.inputlist` and answers the chosen one (0 or out of range: dismissed).
  vim.fn.inputlist = function(options)
    table.insert(seen.questions, options)
    local answer = table.remove(answers, 1)
    for index, option in ipairs(options) do
      if option == string.format('%d. %s', index - 2, answer) then
        return index - 2
      end
    end
    error('no option ' .. vim.inspect(answer) .. ' in ' .. vim.inspect(options))
  end
end

local function transcript_path(messages)
  for _, message in ipairs(messages) do
    local path = message:match("^Claude's answer is written to (.+)$")
    if path then
      return path
    end
  end
end

local function execute_command(session, observed, seen)
  local before = lines(session.buf)
  vim.lsp.buf.execute_command({
    command = 'claude.chat',
    arguments = { 'Document total()' },
  })
  local path
  harness.wait_for(session, 'the edit, and the end of the turn in the transcript file', function()
    path = transcript_path(seen.messages)
    return path ~= nil and not vim.deep_equal(lines(session.buf), before)
      and vim.fn.filereadable(path) == 1 and contains(vim.fn.readfile(path), '*end_turn')
  end)
  observed.command = {
    messages = seen.messages,
    questions = seen.questions,
    edits = seen.edits,
    buffer = lines(session.buf),
    transcript_path = path,
    transcript = vim.fn.readfile(path),
  }
  vim.cmd('silent write')
end

local function snippet(session, observed, seen)
  seen.messages, seen.questions, seen.edits = {}, {}, {}
  -- the user's config (README, Neovim 0.7 to 0.10) attaches claude-lsp to markdown too
  vim.api.nvim_create_autocmd('FileType', {
    pattern = 'markdown',
    callback = function(args)
      vim.lsp.buf_attach_client(args.buf, session.client_id)
    end,
  })
  dofile(here .. 'claude_ask.lua')
  local asked = {}
  vim.ui.input = function(opts, on_confirm)
    table.insert(asked, opts.prompt)
    on_confirm('Round it to cents')
  end
  local before = lines(session.buf)
  local keys = vim.api.nvim_replace_termcodes('1GV2j<leader>ca', true, false, true)
  vim.api.nvim_feedkeys(keys, 'x', false)
  local transcript
  harness.wait_for(session, 'the answer in the transcript buffer', function()
    transcript = nil
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      local buf = vim.api.nvim_win_get_buf(win)
      if vim.api.nvim_buf_get_name(buf) == observed.command.transcript_path then
        transcript = buf
      end
    end
    if transcript == nil then
      return false
    end
    local shown = table.concat(lines(transcript), '\n')
    local turn = shown:match('> Round it to cents\n(.*)$')
    return turn ~= nil and turn:find('*end_turn', 1, true) ~= nil
  end)
  observed.snippet = {
    asked = asked,
    windows = #vim.api.nvim_list_wins(),
    filetype = vim.bo[transcript].filetype,
    attached = vim.lsp.buf_is_attached(transcript, session.client_id),
    transcript = lines(transcript),
    transcript_on_disk = vim.fn.readfile(observed.command.transcript_path),
    messages = seen.messages,
    questions = seen.questions,
    edits = seen.edits,
    buffer_unchanged = vim.deep_equal(lines(session.buf), before),
    modified = vim.bo[session.buf].modified,
  }
end

vim.lsp.set_log_level('debug') -- lsp.log, shown when the test fails

harness.run(function(session, observed)
  local seen = { messages = {}, questions = {}, edits = {} }
  observed.seen = seen -- in the failure report
  record(seen, { 'Allow once', 'Deny' })
  execute_command(session, observed, seen)
  snippet(session, observed, seen)
end)
