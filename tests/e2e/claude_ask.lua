-- Ask Claude about the selection (Neovim 0.7+): select lines, press <leader>ca, type the
-- question. The answer streams into the session's transcript, opened in a split.
local function claude_ask(opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local claude
  for _, client in pairs(vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr })
    or vim.lsp.buf_get_clients(bufnr)) do
    local provider = client.server_capabilities.executeCommandProvider
    if provider and vim.tbl_contains(provider.commands or {}, 'claude.chat') then
      claude = client
    end
  end
  if not claude then
    return vim.notify('claude-lsp is not attached to this buffer', vim.log.levels.WARN)
  end
  local selection = {
    uri = vim.uri_from_bufnr(bufnr),
    range = { -- whole lines: line1 to line2
      start = { line = opts.line1 - 1, character = 0 },
      ['end'] = { line = opts.line2, character = 0 },
    },
  }
  local function send(prompt)
    if not prompt or prompt == '' then
      return
    end
    local params = { command = 'claude.chat', arguments = { prompt, selection } }
    claude.request('workspace/executeCommand', params, function(err, result)
      if err then
        return vim.notify('Claude: ' .. err.message, vim.log.levels.ERROR)
      end
      local transcript = vim.uri_to_bufnr(result.uri)
      if vim.fn.bufwinid(transcript) == -1 then
        vim.cmd('sbuffer ' .. transcript)
      end
    end, bufnr)
  end
  if opts.args ~= '' then
    send(opts.args)
  else
    vim.ui.input({ prompt = 'Ask Claude: ' }, send)
  end
end

vim.api.nvim_create_user_command('ClaudeAsk', claude_ask, { range = true, nargs = '*' })
vim.keymap.set('x', '<leader>ca', ':ClaudeAsk<CR>', { desc = 'Ask Claude about the selection' })
