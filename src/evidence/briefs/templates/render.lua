--[[
The built-in renderer in one pandoc process (``pandoc lua render.lua REQUEST``): a brief's Markdown source is
read once and written as HTML and as Typst, each through the brief filter (brief.lua) for its format, and
with the brief's templates. REQUEST is a JSON file:

  {"templates": "<this folder>", "source": "brief.qmd", "html": "out.html", "typst": "out.typ",
   "displayed": "displayed.md", "displayed_html": "displayed.html", "css": [...]}

Every key but "source" is optional: a format is written when its output path is given. "displayed" is Markdown
read and written as an HTML fragment (what a reader sees of the notebook's computed text, for the disclosure
scan). The HTML written here refers to its stylesheet and figures; the renderer inlines them (as pandoc's
--embed-resources would).
]]

local request_file = arg[1]
local function read_file(path)
  local handle = assert(io.open(path, "rb"))
  local text = handle:read("a")
  handle:close()
  return text
end
local function write_file(path, text)
  local handle = assert(io.open(path, "wb"))
  handle:write(text)
  handle:close()
end

local request = pandoc.json.decode(read_file(request_file), false)
local templates = request.templates
local filter = pandoc.path.join({ templates, "brief.lua" })

local function filtered(doc, format)
  local env = setmetatable({ FORMAT = format }, { __index = _G })
  return pandoc.utils.run_lua_filter(doc:clone(), filter, env)
end

local function template(name)
  local path = pandoc.path.join({ templates, name })
  return pandoc.template.compile(read_file(path), path)
end

local function write_html(doc, standalone)
  local options = { wrap_text = "wrap-none" }
  if standalone then
    options.template = template("brief.html")
    options.variables = { css = request.css or {} }
  end
  return pandoc.write(filtered(doc, "html5"), "html5", options)
end

if request.html or request.typst then
  local doc = pandoc.read(read_file(request.source), "markdown")
  if request.html then
    write_file(request.html, write_html(doc, true))
  end
  if request.typst then
    local options = { wrap_text = "wrap-none", template = template("brief.typ") }
    write_file(request.typst, pandoc.write(filtered(doc, "typst"), "typst", options))
  end
end
if request.displayed then
  write_file(request.displayed_html, write_html(pandoc.read(read_file(request.displayed), "markdown"), false))
end
