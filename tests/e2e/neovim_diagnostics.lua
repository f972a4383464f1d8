-- Scenario 1: open a file with a syntax error; report the diagnostics Neovim shows and
-- the publishDiagnostics the server sent.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local harness = dofile(here .. 'neovim_lsp.lua')

harness.run(function(session, observed)
  harness.wait_for(session, 'a diagnostic to be shown', function()
    return #vim.diagnostic.get(session.buf) > 0
  end)
  observed.shown = harness.shown_diagnostics(session.buf)
  observed.published = session.published
  observed.buffer_version = vim.lsp.util.buf_versions[session.buf]
end)
