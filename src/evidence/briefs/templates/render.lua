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

The outputs are written in the order the renderer needs them: the displayed text (scanned before anything is
written), the Typst markup (typeset while this process goes on with the HTML), the HTML. Each file is complete
when its key ("displayed_html", "typst", "html") is printed on a line of standard output.

The brief filter's passes that do the same for every format (its first SHARED_PASSES) run once on the brief,
the others once per format: the output is what `pandoc --lua-filter brief.lua` writes, format by format.
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
local function done(key)
  io.stdout:write(key, "\n")
  io.stdout:flush()
end

local request = pandoc.json.decode(read_file(request_file), false)
local templates = request.templates
local filter_file = pandoc.path.join({ templates, "brief.lua" })

-- the texts converted, read first: whether any holds a line break the filter must replace is known before it
-- is loaded
local displayed_text = request.displayed and read_file(request.displayed)
local source_text = (request.html or request.typst) and read_file(request.source)

-- Whether a text holds an entity ("&...;") that pandoc could turn into a line break or a dot: any "&" but those
-- of the entities the toolkit's escaping writes ("&lt;" for the "<" of "p < 0.001", "&amp;", "&quot;"...),
-- which write neither (an "&" that starts no entity is counted too: the check errs on the side of looking).
local PLAIN_ENTITIES = { "&lt;", "&gt;", "&amp;", "&quot;", "&#39;", "&apos;" }
local function entities(text)
  for _, entity in ipairs(PLAIN_ENTITIES) do
    text = text:gsub(entity, "")
  end
  return text:find("&", 1, true) ~= nil
end

-- No character the filter reads as a line break (brief.lua's LINE_BREAKS), nor an entity that pandoc could turn
-- into one, nor a YAML escape that writes one in the metadata ("\L", "\u2028", "\r"...: how yaml.safe_dump
-- writes such a character), in any text converted: the filter need not look at every word.
local function no_line_breaks(text)
  return not text
    or not (text:find("[\r\v\f]") or text:find("\\[nrvfNLPxuU]") or text:find("\u{85}", 1, true)
      or text:find("\u{2028}", 1, true) or text:find("\u{2029}", 1, true) or entities(text))
end
local line_breaks_absent = no_line_breaks(displayed_text) and no_line_breaks(source_text)
-- nor two dots in a row or a "-?", escaped or not, nor an entity that could write one (brief.lua's
-- literal_shorthands): the Typst filter need not look at every word either
local shorthands_absent = not source_text
  or not (source_text:find("..", 1, true) or source_text:find(".\\.", 1, true) or source_text:find("-?", 1, true)
    or source_text:find("-\\?", 1, true) or entities(source_text))

-- nor a word longer than brief.lua's LONG_WORD (256 characters; counted here in bytes, at least as many, with an
-- escaped space, "\ ", a no-break space inside a word) in the brief: the Typst filter need not look at every
-- word for one to cut
local function long_words(text)
  if not text then
    return false
  end
  text = text:find("\\ ") and text:gsub("\\ ", "__") or text
  local position = 1
  while true do
    local start, stop = text:find("%S+", position)
    if not start then
      return false
    end
    if stop - start >= 256 then
      return true
    end
    position = stop + 1
  end
end
local long_words_absent = not long_words(source_text)

-- the brief filter's passes for one output format (the filter reads FORMAT when it is loaded)
local function brief_filter(format)
  local env = setmetatable(
    {
      FORMAT = format,
      LINE_BREAKS_ABSENT = line_breaks_absent,
      SHORTHANDS_ABSENT = shorthands_absent,
      LONG_WORDS_ABSENT = long_words_absent,
    },
    { __index = _G }
  )
  local passes = assert(loadfile(filter_file, "t", env))()
  return passes, env.SHARED_PASSES or 0, env
end

local function run_passes(doc, passes, first, last)
  for i = first, last do
    doc = doc:walk(passes[i])
  end
  return doc
end

local filters = {}
local function filter_for(format)
  if not filters[format] then
    local passes, shared, env = brief_filter(format)
    filters[format] = { passes = passes, shared = shared, env = env }
  end
  return filters[format]
end

-- the format-independent passes (those of the HTML filter: they are the same for every format)
local function shared_passes(doc)
  local filter = filter_for("html5")
  return run_passes(doc, filter.passes, 1, filter.shared)
end

-- the rest, for one format, on a document the shared passes have run on (`layouts`: the list the brief
-- filter's Typst pass records the document's tables in, and its HTML pass, run after, reads; see brief.lua's
-- table_layout)
local function format_passes(doc, format, layouts)
  local filter = filter_for(format)
  filter.env.TABLE_LAYOUTS = layouts
  return run_passes(doc:clone(), filter.passes, filter.shared + 1, #filter.passes)
end

local function template(name)
  local path = pandoc.path.join({ templates, name })
  return pandoc.template.compile(read_file(path), path)
end

local function write_html(doc, standalone, layouts)
  local options = { wrap_text = "wrap-none" }
  if standalone then
    options.template = template("brief.html")
    options.variables = { css = request.css or {} }
  end
  return pandoc.write(format_passes(doc, "html5", layouts), "html5", options)
end

if request.displayed then
  local displayed = shared_passes(pandoc.read(displayed_text, "markdown"))
  write_file(request.displayed_html, write_html(displayed, false))
  done("displayed_html")
end
if request.html or request.typst then
  local doc = shared_passes(pandoc.read(source_text, "markdown"))
  -- the tables as the Typst pass finds them, for the HTML pass (when both are written)
  local layouts = (request.typst and request.html) and {} or nil
  if request.typst then
    local options = { wrap_text = "wrap-none", template = template("brief.typ") }
    write_file(request.typst, pandoc.write(format_passes(doc, "typst", layouts), "typst", options))
    done("typst")
  end
  if request.html then
    write_file(request.html, write_html(doc, true, layouts))
    done("html")
  end
end
