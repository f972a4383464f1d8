-- Shared harness for the Neovim 0.7 end-to-end scenarios (see tests/e2e/test_neovim.py).
--
-- The Python test passes, through the environment:
--   CLAUDE_LSP_E2E_CMD     the server command, a JSON list
--   CLAUDE_LSP_E2E_ROOT    the workspace folder
--   CLAUDE_LSP_E2E_FILE    the Python file to open
--   CLAUDE_LSP_E2E_RESULT  where to write the JSON result
--   CLAUDE_LSP_E2E_WAIT_MS optional: how long to wait for the server (default 10000)
-- A scenario calls `run(function(session, observed) ... end)`: the function fills
-- `observed` with what the editor saw; the Python test asserts the exact values.
-- An uncaught Lua error under `-c` still exits 0, so everything runs under pcall and a
-- failure ends with `cquit 1` after writing {"ok": false, "error": ...}.

local M = {}

local TIMEOUT_MS = tonumber(os.getenv('CLAUDE_LSP_E2E_WAIT_MS') or '') or 10000

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == '' then
    error('environment variable ' .. name .. ' is not set')
  end
  return value
end

local function write_result(result)
  local file = assert(io.open(env('CLAUDE_LSP_E2E_RESULT'), 'w'))
  file:write(vim.fn.json_encode(result))
  file:close()
end

-- The diagnostics Neovim shows for `buf`, reduced to the fields the tests compare.
function M.shown_diagnostics(buf)
  local shown = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(shown, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
      source = d.source,
    })
  end
  return shown
end

-- Wait until `predicate()` holds; fail with `what` and the current diagnostics otherwise,
-- at once if the server has exited.
function M.wait_for(session, what, predicate)
  local done = vim.wait(TIMEOUT_MS, function()
    return session.exit_code ~= nil or predicate()
  end, 20)
  if session.exit_code ~= nil then
    error(string.format('the server exited (code %d) while waiting for %s', session.exit_code, what))
  end
  if not done then
    error(string.format(
      'timed out after %d ms waiting for %s; diagnostics shown: %s; publishes: %s',
      TIMEOUT_MS,
      what,
      vim.inspect(M.shown_diagnostics(session.buf)),
      vim.inspect(session.published)
    ))
  end
end

-- Start the server, open the file in a buffer, attach, and wait for the first publish.
local function start()
  local session = { published = {} }
  vim.cmd('filetype on') -- as a user's config would: `:edit x.py` sets filetype=python
  vim.cmd('edit ' .. vim.fn.fnameescape(env('CLAUDE_LSP_E2E_FILE')))
  session.buf = vim.api.nvim_get_current_buf()
  if vim.bo[session.buf].filetype ~= 'python' then
    error('filetype is ' .. vim.inspect(vim.bo[session.buf].filetype) .. ', not python')
  end
  local default_handler = vim.lsp.handlers['textDocument/publishDiagnostics']
  session.client_id = vim.lsp.start_client({
    name = 'claude-lsp',
    cmd = vim.fn.json_decode(env('CLAUDE_LSP_E2E_CMD')),
    root_dir = env('CLAUDE_LSP_E2E_ROOT'),
    on_exit = function(code)
      session.exit_code = code
    end,
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        table.insert(session.published, result)
        return default_handler(err, result, ctx, config)
      end,
    },
  })
  if session.client_id == nil then
    error('vim.lsp.start_client failed')
  end
  if not vim.lsp.buf_attach_client(session.buf, session.client_id) then
    error('vim.lsp.buf_attach_client failed')
  end
  M.wait_for(session, 'the first publishDiagnostics', function()
    return #session.published > 0
  end)
  return session
end

-- Stop the server (shutdown, then exit) and check that it exits with code 0.
local function stop(session)
  local client = vim.lsp.get_client_by_id(session.client_id)
  if client == nil then
    error('the claude-lsp client is gone')
  end
  client.stop()
  local exited = vim.wait(TIMEOUT_MS, function()
    return session.exit_code ~= nil
  end, 20)
  if not exited then
    client.stop(true)
    error('the server did not exit after shutdown and exit')
  end
  if session.exit_code ~= 0 then
    error(string.format('the server exited with code %d after shutdown', session.exit_code))
  end
end

function M.run(scenario)
  local observed = {}
  local session
  local ok, err = xpcall(function()
    session = start()
    scenario(session, observed)
    stop(session)
  end, debug.traceback)
  if ok then
    write_result({ ok = true, observed = observed })
    io.stdout:write('CLAUDE-LSP-E2E: OK\n')
    vim.cmd('qall!')
  else
    if session ~= nil and session.exit_code == nil then
      pcall(vim.lsp.stop_client, session.client_id, true)
    end
    pcall(write_result, { ok = false, error = tostring(err), observed = observed })
    io.stdout:write('CLAUDE-LSP-E2E: FAILED\n' .. tostring(err) .. '\n')
    vim.cmd('cquit 1')
  end
end

return M
