-- PHP Leak Diagnostics in Neovim (0.7 or later), with no plugin: the built-in LSP client
-- starts `node dist/server.js --stdio` for C, PHP and ini buffers.
--
--   PHP_LEAK_SERVER=/path/to/php-leak-diagnostics/dist/server.js nvim -u init.lua ext/memory.c
--
-- or copy it into your own init.lua and set `server` below. Diagnostics show as signs and
-- virtual text; `:lua vim.lsp.buf.hover()` explains a finding, `:lua vim.lsp.buf.code_action()`
-- offers its quick fixes.
--
-- Environment variables read here:
--   PHP_LEAK_SERVER   path of dist/server.js (default ~/php-leak-diagnostics/dist/server.js)
--   PHP_LEAK_RUNTIME  phpLeak.runtime: auto (default), fpm or long-running
--   PHP_LEAK_NVIM_OUT used by the test suite (test/nvim): the first diagnostics published are
--                     written to this file as JSON, then Neovim quits.

local server = os.getenv('PHP_LEAK_SERVER') or vim.fn.expand('~/php-leak-diagnostics/dist/server.js')
local out = os.getenv('PHP_LEAK_NVIM_OUT')

local handlers = {}
if out and out ~= '' then
  handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
    local f = assert(io.open(out, 'w'))
    f:write(vim.fn.json_encode({ err = err, result = result, client_id = ctx.client_id }))
    f:close()
    vim.schedule(function() vim.cmd('qall!') end)
  end
end

-- The workspace folder: the nearest folder holding config.m4, composer.json or .git, else the cwd.
local function root_of(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local dir = vim.fn.fnamemodify(file, ':p:h')
  for _, marker in ipairs({ 'config.m4', 'composer.json', '.git' }) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found == '' then found = vim.fn.finddir(marker, dir .. ';') end
    if found ~= '' then return vim.fn.fnamemodify(found, ':p:h') end
  end
  return vim.fn.getcwd()
end

local client_id
local function attach(bufnr)
  if not client_id then
    client_id = vim.lsp.start_client({
      name = 'php-leak',
      cmd = { 'node', server, '--stdio' },
      root_dir = root_of(bufnr),
      -- The phpLeak.* settings. Neovim 0.7 does not offer workspace/configuration, so they go
      -- in initializationOptions.settings (the server reads them there); later changes can be
      -- sent with client.notify('workspace/didChangeConfiguration', { settings = { phpLeak = {...} } }).
      init_options = { settings = { runtime = os.getenv('PHP_LEAK_RUNTIME') or 'auto' } },
      handlers = handlers,
    })
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
end

vim.api.nvim_create_autocmd('FileType', {
  pattern = { 'c', 'cpp', 'php', 'dosini' },
  callback = function(args) attach(args.buf) end,
})
