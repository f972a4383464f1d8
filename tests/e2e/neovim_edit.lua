-- Scenario 3: type the missing `)` into the buffer (Neovim sends didChange) and wait
-- until the diagnostics are gone.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local harness = dofile(here .. 'neovim_lsp.lua')

harness.run(function(session, observed)
  harness.wait_for(session, 'the syntax error to be shown', function()
    return #vim.diagnostic.get(session.buf) > 0
  end)
  observed.before = harness.shown_diagnostics(session.buf)
  local publishes_before = #session.published
  vim.api.nvim_win_set_cursor(0, { 1, 6 })
  vim.cmd('normal! i)')
  observed.text = vim.api.nvim_buf_get_lines(session.buf, 0, -1, true)
  harness.wait_for(session, 'the diagnostics to clear after the edit', function()
    return #session.published > publishes_before and #vim.diagnostic.get(session.buf) == 0
  end)
  observed.after = harness.shown_diagnostics(session.buf)
  observed.last_publish = session.published[#session.published]
  observed.buffer_version = vim.lsp.util.buf_versions[session.buf]
end)
