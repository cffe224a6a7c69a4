--[[
Brief filter, shared by the built-in renderer (pandoc 3) and Quarto.

* HTML displayed by a notebook (raw HTML blocks), and an HTML table written in its Markdown, is parsed into
  pandoc's own elements, so that tables are real tables in every format (HTML and Typst/PDF), as Quarto makes
  them, and scripts or styles never reach a brief; their classes and ids are dropped (an HTML output cannot
  make a key-figures box, a banner, a callout or an anchor).
* Defence in depth behind the escaping of data where it enters the brief (evidence.presentation.markup):
  raw markup the toolkit did not write (inline HTML, raw Typst, LaTeX...) is shown as text, except a few
  harmless inline tags without attributes; a citation ("@name") stays text; a line break Typst knows and
  Markdown does not (U+0085, U+2028...) is a space; attributes that could run or load something (on*, href, src,
  style...) are dropped from every element; a link is kept only to http(s) or to an anchor of the page;
  an image only from the brief's figures folder or a data: URI of an image type.
* Images that point at the web become links: a brief opens offline and never fetches anything.
* The notebook's key-figures box (a div with class key-figures) moves to the top of the brief.
* Boxes (callouts, key figures, the synthetic-data banner, the disclosure note) are styled in both formats:
  in HTML by class (brief.css), in Typst by wrapping them in the functions of typst-template.typ. Under Quarto,
  callouts are left to Quarto, which renders them itself.
]]

local in_quarto = (quarto ~= nil)
local to_typst = FORMAT:match("typst") ~= nil
local to_html = FORMAT:match("html") ~= nil

local CALLOUT_KINDS = { note = true, tip = true, important = true, warning = true, caution = true }

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind and CALLOUT_KINDS[kind] then
      return kind
    end
  end
  return nil
end

local BOXES = { ["key-figures"] = "brief-keyfigures", ["synthetic-banner"] = "brief-banner",
                ["disclosure-note"] = "brief-note" }

local function box_function(div)
  for class, fn in pairs(BOXES) do
    if div.classes:includes(class) then
      return fn
    end
  end
  return nil
end

local function typst_escape_string(text)
  return text:gsub("\\", "\\\\"):gsub('"', '\\"')
end

-- A heading that opens a box is the box's title, not a section of the document.
local function take_title(div)
  local first = div.content[1]
  if first and first.t == "Header" then
    local title = first.content
    local rest = pandoc.List()
    for i = 2, #div.content do
      rest:insert(div.content[i])
    end
    return title, rest
  end
  return nil, div.content
end

local function wrap_typst(fn, args, title, content)
  local open = "#" .. fn .. "(" .. args
  if title then
    local title_markup = pandoc.write(pandoc.Pandoc({ pandoc.Plain(title) }), "typst")
    open = open .. (args ~= "" and ", " or "") .. "title: [" .. title_markup:gsub("%s+$", "") .. "]"
  end
  open = open .. ")["
  local blocks = pandoc.List({ pandoc.RawBlock("typst", open) })
  blocks:extend(content)
  blocks:insert(pandoc.RawBlock("typst", "]"))
  return blocks
end

-- The box's content for HTML: its title (if any) as a styled div, then the rest.
local function titled_content(title, rest)
  local content = pandoc.List()
  if title then
    content:insert(pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr("", { "box-title" })))
  end
  content:extend(rest)
  return content
end

local function is_html(format)
  return format == "html" or format == "html5" or format == "html4"
end

-- Classes and ids of elements read from a notebook's HTML are not the toolkit's: a class is what makes a div
-- a key-figures box (moved to the top), the synthetic-data banner, a callout or the disclosure note, and an id
-- an anchor of the brief. They are dropped; the other attributes are sanitised as everywhere (below).
local function without_classes(el)
  if el.attr ~= nil and (el.identifier ~= "" or #el.classes > 0) then
    el.attr = pandoc.Attr("", {}, el.attributes)
    return el
  end
end

local PLAIN_ELEMENTS = { Div = without_classes, Span = without_classes, Header = without_classes,
                         Code = without_classes, CodeBlock = without_classes, Link = without_classes,
                         Image = without_classes, Table = without_classes, Figure = without_classes }

-- HTML blocks (a notebook's HTML output) become the brief's own elements; what pandoc cannot read is dropped.
function RawBlock(el)
  if is_html(el.format) then
    -- pandoc's HTML reader keeps no raw HTML (raw_html is off for it): only pandoc elements come out
    HTML_READ = true
    local ok, doc = pcall(pandoc.read, el.text, "html")
    if ok then
      return pandoc.Pandoc(doc.blocks):walk(PLAIN_ELEMENTS).blocks
    end
    return {}
  end
end

local function is_html_block(block)
  return block.t == "RawBlock" and is_html(block.format)
end

-- How many tables an HTML text opens that it does not close.
local function tables_opened(text)
  local lower = text:lower()
  local _, opened = lower:gsub("<table[%s/>]", "")
  local _, opened_at_end = lower:gsub("<table$", "")
  local _, closed = lower:gsub("</table%s*>", "")
  return opened + opened_at_end - closed
end

-- An HTML table written in Markdown (a notebook's Markdown cell, or Markdown it displayed) comes out of
-- pandoc's Markdown reader in pieces (markdown_in_html_blocks): raw blocks of its tags around its cells' text,
-- read as Markdown. Each tag alone read as HTML is nothing, so a reader saw the cells as loose lines, where
-- Quarto reads a raw HTML table into a table in every format. The pieces are put together again (the text
-- between the tags written as HTML, so escaped) and read as one raw block: the table its HTML gives.
local function with_tables_whole(blocks)
  local out = pandoc.List()
  local pieces, open = nil, 0
  for _, block in ipairs(blocks) do
    if pieces then
      if is_html_block(block) then
        pieces:insert(block.text)
        open = open + tables_opened(block.text)
      else
        pieces:insert(pandoc.write(pandoc.Pandoc({ block }), "html5"))
      end
      if open <= 0 then
        out:insert(pandoc.RawBlock("html", table.concat(pieces, "\n")))
        pieces = nil
      end
    elseif is_html_block(block) and tables_opened(block.text) > 0 then
      pieces, open = pandoc.List({ block.text }), tables_opened(block.text)
    else
      out:insert(block)
    end
  end
  if pieces then -- a table never closed: read as far as it goes, as a browser would
    out:insert(pandoc.RawBlock("html", table.concat(pieces, "\n")))
  end
  return out
end

-- Every list of blocks: its HTML tables whole again, then each HTML block read into the brief's elements.
local function html_blocks(blocks)
  if not blocks:find_if(is_html_block) then
    return nil
  end
  local out = pandoc.List()
  for _, block in ipairs(with_tables_whole(blocks)) do
    if is_html_block(block) then
      out:extend(RawBlock(block))
    else
      out:insert(block)
    end
  end
  return out
end

-- The same over the whole document, when it holds an HTML block anywhere: looking for one hands the filter the
-- raw blocks only, where a pass over every list of blocks hands it each table cell's (a brief without an HTML
-- block is left as it was either way).
local function html_blocks_in(doc)
  local found = false
  doc:walk({
    RawBlock = function(el)
      found = found or is_html(el.format)
    end,
  })
  if found then
    return doc:walk({ Blocks = html_blocks })
  end
end

-- ------------------------------------------------------------------------------------------------ sanitising

-- inline HTML tags that change nothing but typography, when written bare (no attribute at all)
local SAFE_INLINE_TAGS = { br = true, wbr = true, sup = true, sub = true, em = true, strong = true, b = true,
                           i = true, small = true, u = true, s = true, mark = true, abbr = true, cite = true,
                           q = true, code = true, kbd = true, span = true }

local function is_safe_inline_html(text)
  local tag = text:match("^<%s*/?%s*([%a][%w]*)%s*/?%s*>$")
  return tag ~= nil and SAFE_INLINE_TAGS[tag:lower()] == true
end

-- Characters Typst's syntax takes for a line break but Markdown keeps inside a word (NEL U+0085, the line and
-- paragraph separators U+2028 and U+2029, vertical tab, form feed, a lone carriage return): in the Typst
-- markup a text holding one would start a new line there, and "= x", "/ x" or "- x" after it a heading, a
-- term list (without its colon: an error that stops the PDF) or a list. They are spaces in every format. So is
-- a line feed, which Markdown never leaves inside a word but an entity writes there (&NewLine;, &#10;).
local LINE_BREAKS = { "\u{85}", "\u{2028}", "\u{2029}", "\v", "\f", "\r", "\n" }

local function one_line(text)
  local changed = false
  for _, char in ipairs(LINE_BREAKS) do
    if text:find(char, 1, true) then
      text = text:gsub(char:gsub("%W", "%%%0"), " ")
      changed = true
    end
  end
  return text, changed
end

-- Raw markup shown as text, one line of it at a time: the Str handler below never sees the Strs made here (a
-- filter pass does not walk again what its handlers return), and a line break inside a Str is one in the Typst
-- markup ("= x" after it a heading, "/ x" a term list that stops the PDF). A raw inline is one line; a raw
-- block keeps its lines, as line breaks pandoc writes (and escapes after) itself.
local function as_text(text)
  local flat = text:gsub("\n", " ")
  return pandoc.Str((one_line(flat)))
end

local function as_lines(text)
  local inlines = pandoc.List()
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    if #inlines > 0 then
      inlines:insert(pandoc.LineBreak())
    end
    inlines:insert(pandoc.Str((one_line(line))))
  end
  return inlines
end

local function sanitise_raw_inline(el)
  if is_html(el.format) and is_safe_inline_html(el.text) then
    return nil
  end
  -- markup the toolkit did not write, in any format (HTML, Typst, LaTeX...): the reader sees it as text
  return as_text(el.text)
end

local function sanitise_raw_block(el)
  -- whatever raw block is left (HTML pandoc could not read, raw Typst or LaTeX): shown as text
  return pandoc.Para(as_lines(el.text))
end

-- attributes an element may keep: layout and accessibility, and data-* (data-kind, what a number counts)
local function allowed_attribute(key)
  local k = key:lower()
  if k == "width" or k == "height" or k == "alt" or k == "title" or k == "lang" or k == "dir"
      or k == "colspan" or k == "rowspan" or k == "scope" or k == "align"
      or k == "when-format" or k == "unless-format" then -- Quarto's conditional content (below)
    return true
  end
  return k:match("^data%-[%w%-]+$") ~= nil or k:match("^aria%-[%w%-]+$") ~= nil
      or k:match("^fig%-[%w%-]+$") ~= nil or k:match("^tbl%-[%w%-]+$") ~= nil
      or k:match("^layout[%w%-]*$") ~= nil
end

local function sanitise_attr(el)
  if el.attr == nil then
    return false
  end
  local kept = {}
  local dropped = false
  for key, value in pairs(el.attributes) do
    if allowed_attribute(key) and not tostring(value):lower():match("javascript:") then
      kept[key] = value
    else
      dropped = true
    end
  end
  if dropped then
    el.attributes = kept
  end
  return dropped
end

local function safe_link_target(target)
  local t = target:gsub("^%s+", "")
  return t:match("^[Hh][Tt][Tt][Pp][Ss]?://[^%s]") ~= nil or t:match("^#[%w%-_:%.]*$") ~= nil
end

local FIGURES_DIR = "brief-figures/"

local function safe_image_source(src)
  if src:sub(1, #FIGURES_DIR) == FIGURES_DIR then
    local name = src:sub(#FIGURES_DIR + 1)
    return name:match("^[%w][%w%._%-]*$") ~= nil and not name:match("%.%.")
  end
  return src:match("^data:image/[%w%.%+%-]+[;,]") ~= nil
end

local function with_attr(el)
  sanitise_attr(el)
  return el
end

local function str_on_one_line(str)
  local text, changed = one_line(str.text)
  if changed then
    return pandoc.Str(text)
  end
end

-- render.lua sets LINE_BREAKS_ABSENT when the text it converts holds none of these characters nor an entity
-- (&...;) that could write one: its thousands of words are then not handed to the filter one by one
local sanitise = {
  Str = LINE_BREAKS_ABSENT ~= true and str_on_one_line or nil,
  RawInline = sanitise_raw_inline,
  -- "@name" in text is a citation to pandoc, and a reference Typst cannot resolve (a brief has no
  -- bibliography): it stays the text it was
  Cite = function(cite)
    return cite.content
  end,
  RawBlock = sanitise_raw_block,
  Link = function(link)
    sanitise_attr(link)
    if not safe_link_target(link.target) then
      -- never a link to javascript:, data:, file: or a path: the reader sees the link's text only
      return pandoc.Span(link.content)
    end
    return link
  end,
  Image = function(img)
    sanitise_attr(img)
    if img.src:match("^[Hh][Tt][Tt][Pp][Ss]?://") then
      return nil -- made a link below: a brief never loads from the web
    end
    if not safe_image_source(img.src) then
      local alt = #img.caption > 0 and img.caption or { pandoc.Str("[image not shown]") }
      return pandoc.Span(alt)
    end
    return img
  end,
  Span = with_attr,
  Div = with_attr,
  Header = with_attr,
  Code = with_attr,
  CodeBlock = with_attr,
  Figure = with_attr,
  Table = function(tbl)
    -- the table, its parts, rows and cells all carry attributes (a <td onclick> read from HTML keeps it); a
    -- table left as it was is not handed back (pandoc would read all of it again)
    local changed = sanitise_attr(tbl)
    if not HTML_READ and not in_quarto then
      -- a table's parts, rows and cells have attributes only when pandoc's HTML reader made it (RawBlock, above,
      -- sets HTML_READ): a table read from Markdown is not handed to the filter cell by cell. Under Quarto every
      -- table is: Quarto reads the HTML tables of a notebook's outputs itself, before this filter runs
      return changed and tbl or nil
    end
    local function rows(list)
      for _, row in ipairs(list) do
        changed = sanitise_attr(row) or changed
        for _, cell in ipairs(row.cells) do
          changed = sanitise_attr(cell) or changed
        end
      end
    end
    changed = sanitise_attr(tbl.head) or changed
    rows(tbl.head.rows)
    for _, body in ipairs(tbl.bodies) do
      changed = sanitise_attr(body) or changed
      rows(body.head)
      rows(body.body)
    end
    changed = sanitise_attr(tbl.foot) or changed
    rows(tbl.foot.rows)
    if changed then
      return tbl
    end
  end,
}

-- In Typst, a table cell, a list item, a link's text and a footnote are content blocks ("[...]"), and a text's
-- first characters there are at the start of a line: "- x" opens a list, "+ x" or "12. x" a numbered one,
-- "= x" a heading and "/ x" a term list (one without its colon stops the PDF: "expected colon"). pandoc's Typst
-- writer escapes these at the start of a paragraph only; a category from data ("- Forced labour", "1. Sexual
-- exploitation") is often the first text of a cell. Such a first word is written escaped ("\-", "12\."), which
-- reads as itself.
local function typst_marker(text)
  if text == "-" or text == "+" or text == "/" or text:match("^=+$") then
    return "\\" .. text
  end
  local number = text:match("^(%d+)%.$")
  if number then
    return number .. "\\."
  end
  return nil
end

local function guard_start(inlines)
  local first, second = inlines[1], inlines[2]
  if first and first.t == "Span" then
    -- a label from data (markup.data_label: a span pandoc writes as its text alone) is its first text
    return guard_start(first.content)
  end
  if first and first.t == "Str" and (second == nil or second.t == "Space" or second.t == "SoftBreak"
      or second.t == "LineBreak") then
    local escaped = typst_marker(first.text)
    if escaped then
      inlines[1] = pandoc.RawInline("typst", escaped)
      return true
    end
  end
  return false
end

-- the first paragraph of a list of blocks (a cell's, an item's, a footnote's)
local function guard_blocks(blocks)
  local first = blocks[1]
  if first and (first.t == "Plain" or first.t == "Para") then
    return guard_start(first.content)
  end
  return false
end

local function guard_items(list)
  for _, item in ipairs(list.content) do
    guard_blocks(item)
  end
  return list
end

-- (`texts`: the cells' text, cell_texts: only a cell whose text starts as a marker may need it, and only its
-- contents are handed to the filter)
local function guard_cells(tbl, texts)
  local function rows(list, part)
    for r, row in ipairs(list) do
      for c, cell in ipairs(row.cells) do
        local text = part[r][c].text
        if text:match("^[%-%+/=]") or text:match("^%d+%.") then
          guard_blocks(cell.contents)
        end
      end
    end
  end
  rows(tbl.head.rows, texts.head)
  for b, body in ipairs(tbl.bodies) do
    rows(body.head, texts.body_heads[b])
    rows(body.body, texts.bodies[b])
  end
  rows(tbl.foot.rows, texts.foot)
end

-- In Typst, a link to an anchor the document lacks stops the PDF: anchors stay links in HTML only.
function Link(link)
  if to_typst and link.target:match("^%s*#") then
    return pandoc.Span(link.content)
  end
  if to_typst and guard_start(link.content) then
    return link
  end
end

local function Note(note)
  guard_blocks(note.content)
  return note
end

local function DefinitionList(list)
  for _, item in ipairs(list.content) do
    guard_start(item[1])
    for _, definition in ipairs(item[2]) do
      guard_blocks(definition)
    end
  end
  return list
end

function Image(img)
  if img.src:lower():match("^https?://") then  -- HTTP:// too: a scheme is case-insensitive
    return pandoc.Link(#img.caption > 0 and img.caption or { pandoc.Str(img.src) }, img.src)
  end
  if to_typst and img.src:lower():match("^data:") then
    -- Typst cannot read inline data; such images come from HTML outputs and are shown in the HTML brief
    return pandoc.Emph({ pandoc.Str("[image shown in the HTML version]") })
  end
end

-- Quarto's conditional content ("content-visible"/"content-hidden" with "when-format"/"unless-format"), which
-- Quarto resolves itself: the table writer gives a table too wide for the PDF page whole to HTML and in column
-- groups to the PDF. Only the formats a brief has are told apart ("pdf" is the PDF's Typst).
local function format_is(name)
  if name == "html" then
    return to_html
  end
  if name == "typst" or name == "pdf" then
    return to_typst
  end
  return FORMAT == name
end

local function conditional(div)
  local visible, hidden = div.classes:includes("content-visible"), div.classes:includes("content-hidden")
  if in_quarto or not (visible or hidden) then
    return nil
  end
  local when, unless = div.attributes["when-format"], div.attributes["unless-format"]
  local matches = (when == nil or format_is(when)) and (unless == nil or not format_is(unless))
  if matches == visible then
    return div.content
  end
  return {}
end

function Div(div)
  local shown = conditional(div)
  if shown then
    return shown
  end
  local kind = callout_kind(div)
  if kind then
    if in_quarto then
      return nil
    end
    local title, rest = take_title(div)
    if to_typst then
      return wrap_typst("brief-callout", 'kind: "' .. typst_escape_string(kind) .. '"', title, rest)
    end
    return pandoc.Div(titled_content(title, rest), pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }))
  end
  local fn = box_function(div)
  if fn then
    local title, rest = take_title(div)
    if to_typst then
      return wrap_typst(fn, "", title, rest)
    end
    div.content = titled_content(title, rest)
    return div
  end
end

-- A column of numbers (counts, "<5", "x", shares, "134 (2021)": a number with the year it is for) is
-- right-aligned, any other column left-aligned, in every format, unless the table says otherwise.
local function is_numeric(text)
  text = text:gsub("%s*%([^()]*%)$", "") -- a note in brackets after the number: "134 (2021)"
  return text:match("^[%d%.,%%<>x~%s%-\u{2013}\u{2014}]*$") ~= nil and text:match("%d") ~= nil
end

local PLACEHOLDERS = { [""] = true, x = true, ["\u{2013}"] = true, ["n/a"] = true, ["no total"] = true }

local function numeric_or_blank(text)
  return PLACEHOLDERS[text] == true or text:match("^<%d+$") ~= nil or is_numeric(text)
end

-- Column widths for Typst. Typst shrinks `auto` columns that do not fit the page to equal shares, and a word
-- longer than its column's share overprints the next column. A table too wide for the page gets widths from
-- its content instead: each column at least as wide as its longest word; then, room allowing, as wide as its
-- longest cell of the body, so that the rows keep their cells on one line and the headers wrap ("Tier 2 WL
-- (2015)" was set in two lines beside a column as wide as "Vulnerability (0-100)" holding "67.4"); the room
-- left shared in proportion to what each column's header needs beyond that. A table that fits keeps `auto`
-- columns (as wide as their content). (The widths are estimates in characters; the PDF of a brief shows how
-- they come out.)
local LONG_TABLE_ROWS = 15 -- a table of more rows may break across pages in the PDF
local LINE_CHARS = 90 -- characters of table text (0.85em) on a line of the page (A4, the template's margins)
local CELL_CHARS = 2 -- a cell's inset, in characters

local function text_length(text)
  return utf8.len(text) or #text
end

-- A digit is set wider than the average character LINE_CHARS counts (about a tenth): a column
-- sized to "264–276" by its characters was too narrow for it, and Typst set "264–" and "276" on two lines,
-- which read as two numbers. A word that cannot break is measured with its digits that much wider.
local DIGIT_EXTRA = 0.1

local function word_length(word)
  local _, digits = word:gsub("%d", "")
  return text_length(word) + DIGIT_EXTRA * digits
end

-- The text of each cell (stringified once: handing a cell to pandoc costs more than measuring it), by part:
-- rows of {text, span}, the cells of a row in their order.
local function cell_texts(tbl)
  local function texts(rows)
    local out = {}
    for r, row in ipairs(rows) do
      local cells = {}
      for c, cell in ipairs(row.cells) do
        -- (the cell itself: its contents are not handed to the filter, nor back to pandoc)
        cells[c] = { text = pandoc.utils.stringify(cell), span = cell.col_span or 1 }
      end
      out[r] = cells
    end
    return out
  end
  local parts = { head = texts(tbl.head.rows), body_heads = {}, bodies = {}, foot = texts(tbl.foot.rows) }
  for b, body in ipairs(tbl.bodies) do
    parts.body_heads[b] = texts(body.head)
    parts.bodies[b] = texts(body.body)
  end
  return parts
end

-- widths[i] grown from `from` towards `to`, sharing `room` in proportion to what each column lacks
local function share(from, to, room)
  local sum_from, sum_to = 0, 0
  for i = 1, #from do
    sum_from, sum_to = sum_from + from[i], sum_to + to[i]
  end
  local widths = {}
  for i = 1, #from do
    local grown = sum_to > sum_from and (to[i] - from[i]) * math.max(0, room - sum_from) / (sum_to - sum_from)
      or 0
    widths[i] = from[i] + grown
  end
  return widths
end

local function typst_widths(tbl, texts)
  local n = #tbl.colspecs
  local least, body, most = {}, {}, {}
  for i = 1, n do
    least[i], body[i], most[i] = 1, 1, 1
  end
  local function measure(rows, in_body)
    for _, cells in ipairs(rows) do
      local column = 1
      for _, cell in ipairs(cells) do
        if cell.span == 1 and column <= n then
          local length = text_length(cell.text)
          most[column] = math.max(most[column], length)
          if in_body then
            body[column] = math.max(body[column], length)
          end
          for word in cell.text:gmatch("%S+") do
            -- a word longer than a line counts as one line: it breaks in any column (a word of 40,000
            -- characters took 99.98% of the width, squeezed the counts beside it to nothing, and Typst 13 s)
            least[column] = math.max(least[column], math.min(word_length(word), LINE_CHARS))
          end
        end
        column = column + cell.span
      end
    end
  end
  measure(texts.head, false)
  for b = 1, #texts.bodies do
    measure(texts.body_heads[b], true)
    measure(texts.bodies[b], true)
  end
  measure(texts.foot, true)
  local room = LINE_CHARS - CELL_CHARS * n
  local sum_least, sum_most, sum_body = 0, 0, 0
  for i = 1, n do
    body[i] = math.max(body[i], least[i])
    sum_least, sum_most, sum_body = sum_least + least[i], sum_most + most[i], sum_body + body[i]
  end
  if sum_most <= room then
    return nil
  end
  -- a table whose longest words alone do not fit the line is set smaller (down to 70%), so that they do
  local scale = math.max(0.7, math.min(1, LINE_CHARS / (sum_least + CELL_CHARS * n)))
  local widths
  if sum_body <= room then
    widths = share(body, most, room) -- the body on one line, the headers wrapping in what is left
  else
    widths = share(least, body, room)
  end
  local total = 0
  for i = 1, n do
    widths[i] = widths[i] + CELL_CHARS
    total = total + widths[i]
  end
  for i = 1, n do
    widths[i] = widths[i] / total
  end
  return widths, scale, sum_least * scale + CELL_CHARS * n > LINE_CHARS
end

-- A number's note in brackets ("2021 (may count a person twice: once where detected abroad, ...)") may wrap in
-- the HTML brief, and go under its number, where the number itself never wraps (brief.css: a right-aligned cell
-- does not wrap, a `.cell-note` in it does): a long note kept on one line widened its column until the table
-- scrolled.
local function wrap_cell_notes(rows, right)
  for _, row in ipairs(rows) do
    local column = 1
    for _, cell in ipairs(row.cells) do
      local block = #cell.contents == 1 and cell.contents[1] or nil
      if right[column] and block and (block.t == "Plain" or block.t == "Para") then
        local inlines, start = block.content, nil
        for k = #inlines, 2, -1 do
          if inlines[k].t == "Str" and inlines[k].text:sub(1, 1) == "(" then
            start = k
            break
          end
        end
        if start and inlines[start - 1].t == "Space" then
          -- the space before the note goes in the note: the line may break there too, in a table too wide for
          -- the text ("0.0533 (2021)" under a header of "Detected per 100,000": a neighbours table scrolled)
          local kept, note = pandoc.List(), pandoc.List()
          for k = 1, #inlines do
            (k < start - 1 and kept or note):insert(inlines[k])
          end
          kept:insert(pandoc.Span(note, pandoc.Attr("", { "cell-note" })))
          block.content = kept
        end
      end
      column = column + (cell.col_span or 1)
    end
  end
end

-- What the Typst pass of a brief found of each table, for its HTML pass: render.lua hands both passes of the
-- brief's document one list, TABLE_LAYOUTS, and writes the Typst markup first. Both passes meet the same tables
-- in the same order (the document is the same up to them, and a filter's functions run on an element's
-- children first); a table's text (which pandoc writes out without handing the table to the filter) must
-- be the same too. The HTML pass then takes the table's alignments and whether a number's note may be in it
-- without handing every cell of it to the filter (24 tables of a country brief: ~0.04 CPU-s of pandoc's ~0.3).
local function table_layout(tbl)
  local layouts = TABLE_LAYOUTS
  if not layouts or (not to_typst and not to_html) then
    return nil, nil
  end
  local key = pandoc.utils.stringify(tbl)
  if to_typst then
    return nil, key
  end
  layouts.read = (layouts.read or 0) + 1
  local layout = layouts[layouts.read]
  if layout and layout.key == key and #layout.aligns == #tbl.colspecs then
    return layout, nil
  end
  -- not the table the Typst pass met: the HTML pass looks at it in full, as without a list
  layouts.read = math.huge
  return nil, nil
end

-- whether a cell of a right-aligned column of the table's body or foot may hold a number's note: a space and
-- a "(" (what wrap_cell_notes looks for; it may find none)
local function may_hold_notes(texts, aligns)
  local function rows_may(rows)
    for _, cells in ipairs(rows) do
      local column = 1
      for _, cell in ipairs(cells) do
        if aligns[column] == "AlignRight" and cell.text:find(" (", 1, true) then
          return true
        end
        column = column + cell.span
      end
    end
    return false
  end
  for _, rows in ipairs(texts.bodies) do
    if rows_may(rows) then
      return true
    end
  end
  return rows_may(texts.foot)
end

function Table(tbl)
  local layout, key = table_layout(tbl)
  local aligned = true
  for _, colspec in ipairs(tbl.colspecs) do
    aligned = aligned and colspec[1] ~= "AlignDefault"
  end
  local texts = (to_typst or not (aligned or layout)) and cell_texts(tbl) or nil
  local widths, scale, too_wide
  if to_typst then
    widths, scale, too_wide = typst_widths(tbl, texts)
    if scale and scale < 1 then
      tbl.attributes["typst:text:size"] = string.format("%.2fem", scale)
    end
  end
  for i, colspec in ipairs(tbl.colspecs) do
    -- Widths guessed by pandoc's readers (equal shares from the HTML reader, dashes of a long pipe table) squeeze
    -- long words into overlapping columns in Typst: a browser sizes columns to their content, Typst gets
    -- widths from it (typst_widths).
    colspec[2] = widths and widths[i] or nil
    if colspec[1] == "AlignDefault" and layout then
      colspec[1] = layout.aligns[i]
    elseif colspec[1] == "AlignDefault" then
      local numbers, others = 0, 0
      for _, rows in ipairs(texts.bodies) do
        for _, cells in ipairs(rows) do
          local cell = cells[i]
          if cell then
            if is_numeric(cell.text) then
              numbers = numbers + 1
            elseif not numeric_or_blank(cell.text) then
              others = others + 1
            end
          end
        end
      end
      colspec[1] = (numbers > 0 and others == 0) and "AlignRight" or "AlignLeft"
    end
    tbl.colspecs[i] = colspec
  end
  if key then
    local aligns = {}
    for i, colspec in ipairs(tbl.colspecs) do
      aligns[i] = colspec[1]
    end
    table.insert(TABLE_LAYOUTS, { key = key, aligns = aligns, notes = may_hold_notes(texts, aligns) })
  end
  if to_html then
    if not layout or layout.notes then
      local right = {}
      for i, colspec in ipairs(tbl.colspecs) do
        right[i] = colspec[1] == "AlignRight"
      end
      for _, body in ipairs(tbl.bodies) do
        wrap_cell_notes(body.body, right)
      end
      wrap_cell_notes(tbl.foot.rows, right)
    end
    -- a table wider than the text scrolls on its own, and the page keeps its width (brief.css)
    return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" }))
  end
  guard_cells(tbl, texts)
  local rows = 0
  for _, body in ipairs(tbl.bodies) do
    rows = rows + #body.body
  end
  local blocks = pandoc.List({ tbl })
  if rows > LONG_TABLE_ROWS then
    -- it may break across pages (typst-template.typ): in a figure, which does not, it ran off the page
    blocks = pandoc.List({ pandoc.RawBlock("typst", "#brief-long-table["), tbl, pandoc.RawBlock("typst", "]") })
  end
  if too_wide then
    -- even at the smallest size its longest words do not fit the page: its columns overlap in the PDF; say so
    -- (the HTML brief scrolls it)
    blocks:insert(
      pandoc.Para({
        pandoc.Emph({
          pandoc.Str(
            string.format(
              "This table has %d columns, too many for the page: some of its text overlaps here. "
                .. "The HTML brief shows it in full.",
              #tbl.colspecs
            )
          ),
        }),
      })
    )
  end
  return #blocks == 1 and tbl or blocks
end

-- Runs before the element filters above (see the return value at the end): moves the first key-figures box
-- right after the synthetic-data banner (or to the top).
local function move_key_figures(doc)
  local index
  for i, block in ipairs(doc.blocks) do
    if block.t == "Div" and block.classes:includes("key-figures") then
      index = i
      break
    end
  end
  if not index then
    return nil
  end
  local box = doc.blocks:remove(index)
  local position = 1
  for i, block in ipairs(doc.blocks) do
    if block.t == "Div" and block.classes:includes("synthetic-banner") then
      position = i + 1
      break
    end
    if i > 3 then
      break
    end
  end
  doc.blocks:insert(position, box)
  return doc
end

-- A table's title written as a bold line before it ("**Age**") stays on the same page as the table in Typst.
local function keep_titles_with_tables(blocks)
  local out = pandoc.List()
  for i, block in ipairs(blocks) do
    local next_block = blocks[i + 1]
    local is_title = block.t == "Para" and #block.content == 1 and block.content[1].t == "Strong"
    local table_next = next_block and (next_block.t == "Table" or next_block.t == "Figure"
      or (next_block.t == "RawBlock" and next_block.text == "#brief-long-table["))
    if is_title and table_next then
      out:extend({ pandoc.RawBlock("typst", "#brief-keep-with-next["), block, pandoc.RawBlock("typst", "]") })
    else
      out:insert(block)
    end
  end
  return out
end

-- Over the brief's own lists of blocks (the document's, a box's, a quote's), not over every list (a Blocks
-- filter gets each table cell's too: thousands, each handed from pandoc to the filter and back).
local function keep_titles_in(doc)
  doc.blocks = keep_titles_with_tables(doc.blocks)
  local function inside(el)
    el.content = keep_titles_with_tables(el.content)
    return el
  end
  return doc:walk({ Div = inside, BlockQuote = inside })
end

-- pandoc's Typst writer takes a time quadratic in the length of a word: 80,000 letters took it 15 CPU-s, a
-- category as long as an Excel cell holds (32,767) 2.5 s for each place it is shown, and a sidecar's or a
-- parameter's text has no bound at all (a brief held past the renderer's timeout). A word longer than LONG_WORD
-- characters is handed to it in pieces, each ended between two letters or digits (or characters beyond ASCII),
-- which no markup of Typst is made of: a cut between "/" and "/" would let Typst read a comment (the writer
-- escapes the second "/" only beside the first), so the markup is the same, written in a fraction of the time
-- (a brief with a word of 40,000 letters: 81 -> 3 CPU-s). render.lua sets LONG_WORDS_ABSENT when the brief it
-- converts holds no word that long.
local LONG_WORD = 256

local function word_character(code)
  return code >= 0x80 or (code >= 48 and code <= 57) or (code >= 65 and code <= 90)
    or (code >= 97 and code <= 122)
end

local function in_pieces(str)
  local text = str.text
  if #text <= LONG_WORD then -- bytes: at least the characters
    return nil
  end
  local pieces = pandoc.List()
  local start, count, previous = 1, 0, nil
  for position, code in utf8.codes(text) do
    if count >= LONG_WORD and word_character(previous) and word_character(code) then
      pieces:insert(pandoc.Str(text:sub(start, position - 1)))
      start, count = position, 0
    end
    count, previous = count + 1, code
  end
  if #pieces == 0 then
    return nil
  end
  pieces:insert(pandoc.Str(text:sub(start)))
  return pieces
end

-- Three dots or more in a text are Typst's shorthand for an ellipsis ("..." is "…"), and pandoc's Typst writer
-- leaves them as they are: escaped text (a loader's "rows 4, 5, 6 ...", a value cut short) would read as
-- itself in HTML and not in the PDF. The toolkit's own "..." is an ellipsis already (pandoc's smart
-- typography), so dots still in a text are meant as dots: each after the first of a run is escaped ("\.").
-- So is the "?" of "-?", Typst's shorthand for a soft hyphen, which the writer leaves too: "Age -? band", a
-- category so written, read "Age  band" in the PDF (an invisible hyphen where "-?" was). render.lua sets
-- SHORTHANDS_ABSENT when no text it converts holds two dots in a row or a "-?", escaped or not.
local function add_without_soft_hyphens(inlines, text)
  local position = 1
  for start in text:gmatch("()%-%?") do
    inlines:insert(pandoc.Str(text:sub(position, start)))
    inlines:insert(pandoc.RawInline("typst", "\\?"))
    position = start + 2
  end
  if position <= #text then
    inlines:insert(pandoc.Str(text:sub(position)))
  end
end

local function literal_shorthands(str)
  local text = str.text
  if not text:find("...", 1, true) and not text:find("-?", 1, true) then
    return nil
  end
  local inlines = pandoc.List()
  local position = 1
  for start, dots, stop in text:gmatch("()(%.%.%.+)()") do
    add_without_soft_hyphens(inlines, text:sub(position, start - 1) .. ".")
    for _ = 2, #dots do
      inlines:insert(pandoc.RawInline("typst", "\\."))
    end
    position = stop
  end
  if position <= #text then
    add_without_soft_hyphens(inlines, text:sub(position))
  end
  return inlines
end

-- The Typst template writes the title, subtitle and date into content blocks ("title: [$title$]"), where their
-- first characters are at the start of a line to Typst: "= " opens a heading there, "- " or "1. " a list and
-- "/ " a term list (one without its colon stops the PDF: "expected colon"). pandoc's Typst writer takes them for
-- text inside a line and escapes none of these; written as the start of a paragraph, on one line, they are, and
-- the template is handed that markup. (A title or subtitle holds text from data: the run's country, a
-- notebook's computed heading.)
local TEMPLATE_BLOCKS = { "title", "subtitle", "date" }

local function typst_metadata(meta)
  for _, key in ipairs(TEMPLATE_BLOCKS) do
    local value = meta[key]
    if value ~= nil and pandoc.utils.type(value) == "Inlines" then
      local written = pandoc.write(pandoc.Pandoc({ pandoc.Plain(value) }), "typst", { wrap_text = "wrap-none" })
      meta[key] = pandoc.MetaInlines({ pandoc.RawInline("typst", (written:gsub("%s+$", ""))) })
    end
  end
  return meta
end

-- The first SHARED_PASSES passes do the same whatever the output format: the built-in renderer (render.lua)
-- runs them once on a brief and only the others once per format.
SHARED_PASSES = 3

return {
  { Pandoc = move_key_figures },
  { Pandoc = html_blocks_in },
  sanitise,
  {
    Link = Link,
    Image = Image,
    Div = Div,
    Table = Table,
    -- (in Typst only: a first word that a content block would read as markup, written escaped)
    BulletList = to_typst and guard_items or nil,
    OrderedList = to_typst and guard_items or nil,
    DefinitionList = to_typst and DefinitionList or nil,
    Note = to_typst and Note or nil,
  },
  -- (an HTML brief has nothing to keep together: no walk over every list of blocks)
  { Pandoc = to_typst and keep_titles_in or nil },
  -- (in Typst only, whose writer needs it; before the metadata is written: a title's long word in pieces too)
  { Str = (to_typst and LONG_WORDS_ABSENT ~= true) and in_pieces or nil },
  -- (the title block's metadata written last: its shorthands escaped first, as the text's)
  {
    Str = (to_typst and SHORTHANDS_ABSENT ~= true) and literal_shorthands or nil,
    Meta = to_typst and typst_metadata or nil,
  },
}
