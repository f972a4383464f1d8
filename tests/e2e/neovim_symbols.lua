-- Scenario 2: textDocument/documentSymbol through vim.lsp.buf_request_sync.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local harness = dofile(here .. 'neovim_lsp.lua')

harness.run(function(session, observed)
  local params = { textDocument = vim.lsp.util.make_text_document_params(session.buf) }
  local responses, err =
    vim.lsp.buf_request_sync(session.buf, 'textDocument/documentSymbol', params, 10000)
  if responses == nil then
    error('textDocument/documentSymbol: ' .. tostring(err))
  end
  local response = responses[session.client_id]
  if response == nil then
    error('no textDocument/documentSymbol response from claude-lsp')
  end
  if response.err ~= nil then
    error('textDocument/documentSymbol failed: ' .. vim.inspect(response))
  end
  observed.symbols = response.result
end)
