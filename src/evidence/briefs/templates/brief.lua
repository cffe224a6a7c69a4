--[[
Brief filter, shared by the built-in renderer (pandoc 3) and Quarto.

* HTML displayed by a notebook (raw HTML blocks) is parsed into pandoc's own elements, so that tables are
  real tables in every format (HTML and Typst/PDF) and scripts or styles never reach a brief.
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

function RawBlock(el)
  if el.format == "html" or el.format == "html5" then
    local ok, doc = pcall(pandoc.read, el.text, "html")
    if ok then
      return doc.blocks
    end
    return {}
  end
end

function RawInline(el)
  if (el.format == "html" or el.format == "html5") and el.text:match("^<script") then
    return {}
  end
end

function Image(img)
  if img.src:match("^https?://") then
    return pandoc.Link(#img.caption > 0 and img.caption or { pandoc.Str(img.src) }, img.src)
  end
  if to_typst and img.src:match("^data:") then
    -- Typst cannot read inline data; such images come from HTML outputs and are shown in the HTML brief
    return pandoc.Emph({ pandoc.Str("[image shown in the HTML version]") })
  end
end

function Div(div)
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

-- A column of numbers (counts, "<5", "x", shares) is right-aligned, any other column left-aligned, in every
-- format, unless the table says otherwise.
local function is_numeric(text)
  return text:match("^[%d%.,%%<>x~%s%-\u{2013}\u{2014}]*$") ~= nil and text:match("%d") ~= nil
end

local function numeric_or_blank(text)
  return text == "" or text == "x" or text:match("^<%d+$") ~= nil or text == "\u{2013}" or is_numeric(text)
end

function Table(tbl)
  for i, colspec in ipairs(tbl.colspecs) do
    -- Widths guessed by pandoc's HTML reader are equal shares, which squeeze long words into overlapping
    -- columns in Typst; every renderer sizes columns to their content better.
    colspec[2] = nil
    if colspec[1] == "AlignDefault" then
      local numbers, others = 0, 0
      for _, body in ipairs(tbl.bodies) do
        for _, row in ipairs(body.body) do
          local cell = row.cells[i]
          if cell then
            local text = pandoc.utils.stringify(cell.contents)
            if is_numeric(text) then
              numbers = numbers + 1
            elseif not numeric_or_blank(text) then
              others = others + 1
            end
          end
        end
      end
      colspec[1] = (numbers > 0 and others == 0) and "AlignRight" or "AlignLeft"
    end
    tbl.colspecs[i] = colspec
  end
  return tbl
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
  if not to_typst then
    return nil
  end
  local out = pandoc.List()
  for i, block in ipairs(blocks) do
    local next_block = blocks[i + 1]
    local is_title = block.t == "Para" and #block.content == 1 and block.content[1].t == "Strong"
    if is_title and next_block and (next_block.t == "Table" or next_block.t == "Figure") then
      out:extend({ pandoc.RawBlock("typst", "#brief-keep-with-next["), block, pandoc.RawBlock("typst", "]") })
    else
      out:insert(block)
    end
  end
  return out
end

return {
  { Pandoc = move_key_figures },
  { RawBlock = RawBlock, RawInline = RawInline },
  { Image = Image, Div = Div, Table = Table },
  { Blocks = keep_titles_with_tables },
}
