-- Refactor scenario, three steps on shop.py (cart.py imports from it):
-- (a) rename a function used in both files with vim.lsp.buf.rename (prepareRename, then
--     rename; Neovim applies the workspace edit, the script writes both buffers);
-- (b) extract a variable the way a user does (range_code_action + vim.ui.select);
-- (c) extract a method through the server's command + workspace/applyEdit.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local harness = dofile(here .. 'neovim_lsp.lua')

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, true)
end

local function cart_buffer()
  local buf = vim.fn.bufnr(os.getenv('CLAUDE_LSP_E2E_ROOT') .. '/cart.py')
  if buf == -1 or not vim.api.nvim_buf_is_loaded(buf) then
    return nil
  end
  return buf
end

local function rename(session, observed)
  local before = lines(session.buf)
  vim.api.nvim_win_set_cursor(0, { 1, 5 }) -- on `price` in `def price(items):`
  vim.lsp.buf.rename('total_price')
  harness.wait_for(session, 'the rename to be applied to both files', function()
    local cart = cart_buffer()
    return cart ~= nil and lines(cart)[1] ~= 'from shop import price'
      and not vim.deep_equal(lines(session.buf), before)
  end)
  observed.renamed = { shop = lines(session.buf), cart = lines(cart_buffer()) }
  vim.cmd('silent wall')
end

-- (b) The user's path: `vim.lsp.buf.range_code_action()` on a selection, "Extract
-- variable" picked in `vim.ui.select`. Neovim 0.7.2 declares codeAction/resolve support
-- (for `edit`), so it resolves the listed action and applies the edit itself.
local function extract_variable(session, observed)
  local before = lines(session.buf)
  vim.ui.select = function(items, _, on_choice)
    local chosen
    observed.offered = {}
    for index, item in ipairs(items) do
      local action = item[2]
      table.insert(observed.offered, action.title)
      if action.title == 'Extract variable' then
        chosen = index
        observed.listed = { kind = action.kind, edit = action.edit ~= nil, command = action.command ~= nil }
      end
    end
    on_choice(items[chosen], chosen)
  end
  -- `sum(items)` on line 2: mark positions, the end column inclusive
  vim.lsp.buf.range_code_action(nil, { 2, 11 }, { 2, 20 })
  harness.wait_for(session, 'the extracted variable to be applied', function()
    return not vim.deep_equal(lines(session.buf), before)
  end)
  observed.extracted_variable = lines(session.buf)
end

-- (c) The path of clients without resolve: the server's command, run with
-- workspace/executeCommand; the server computes the edit and sends it with
-- workspace/applyEdit, which Neovim's default handler applies.
local function extract_method(session, observed)
  local client = vim.lsp.get_client_by_id(session.client_id)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(session.buf) },
    -- `[1, 2]` in `TOTAL = total_price([1, 2])`
    range = { start = { line = 5, character = 20 }, ['end'] = { line = 5, character = 26 } },
    context = { diagnostics = {} },
  }
  local responses, err = vim.lsp.buf_request_sync(session.buf, 'textDocument/codeAction', params, 10000)
  local response = responses and responses[session.client_id]
  if response == nil or response.err ~= nil then
    error('codeAction failed: ' .. vim.inspect(response or err))
  end
  local chosen
  for _, action in ipairs(response.result or {}) do
    if action.title == 'Extract method' then
      chosen = action
    end
  end
  if chosen == nil then
    error('no "Extract method" action in ' .. vim.inspect(response.result))
  end
  local before = lines(session.buf)
  local applied = 0
  local default_apply = vim.lsp.handlers['workspace/applyEdit']
  vim.lsp.handlers['workspace/applyEdit'] = function(...)
    applied = applied + 1
    return default_apply(...)
  end
  local result = client.request_sync('workspace/executeCommand', {
    command = 'claude-lsp.python.applyCodeAction',
    arguments = { chosen.data },
  }, 10000, session.buf)
  if result == nil or result.err ~= nil then
    error('executeCommand failed: ' .. vim.inspect(result))
  end
  harness.wait_for(session, 'the extracted method to be applied', function()
    return not vim.deep_equal(lines(session.buf), before)
  end)
  observed.apply_edit_requests = applied
  observed.extracted_method = lines(session.buf)
  vim.cmd('silent write')
end

harness.run(function(session, observed)
  rename(session, observed)
  extract_variable(session, observed)
  extract_method(session, observed)
end)
