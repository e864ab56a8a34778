package notices

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// blockKind is what a block of a rendered letter is: the structure the plain-text
// and PDF forms are laid out from.
type blockKind int

const (
	para blockKind = iota
	heading
	item
	quote
)

// block is one heading, paragraph, list item or quoted paragraph. Text has its
// whitespace collapsed; "\n" marks a line break (<br>). Level is the heading level
// (1–6) or the list depth (1 for a top-level item); Marker is a list item's "-" or
// "3.".
type block struct {
	Kind   blockKind
	Level  int
	Marker string
	Text   string
	// Bold is set for a paragraph that is all <strong> or <b>: a letterhead, a
	// clause's title.
	Bold bool
}

type document struct {
	title  string
	blocks []block
}

// parseHTML reads the structure of a rendered letter. It is not a general HTML
// parser: it understands the elements letters are written with (h1–h6, p, div,
// ul/ol/li, blockquote, br, address, header, footer, section, table rows) and treats
// every other tag as inline. Text in head, style and script is skipped, except the
// title. Templates come from the organisation and the letter's own strings are
// escaped by html/template, so this only has to be robust (never panic, never lose
// text), not to judge arbitrary markup.
func parseHTML(s string) document {
	var p htmlParser
	p.run(s)
	return p.doc
}

type listState struct {
	ordered bool
	n       int
}

type htmlParser struct {
	doc        document
	cur        strings.Builder
	kind       blockKind
	level      int
	marker     string
	lists      []listState
	quoteDepth int
	inHead     bool
	// strong counts open <strong>/<b>; plain says the block has text outside them.
	strong int
	plain  bool
}

func (p *htmlParser) run(s string) {
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			p.text(s)
			break
		}
		p.text(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "<!--"):
			if j := strings.Index(s, "-->"); j >= 0 {
				s = s[j+3:]
			} else {
				s = ""
			}
			continue
		case strings.HasPrefix(s, "<!") || strings.HasPrefix(s, "<?"):
			s = skipTag(s)
			continue
		}
		name, closing, rest, ok := readTag(s)
		if !ok {
			// A '<' that starts no tag is text ("a < b").
			p.text("<")
			s = s[1:]
			continue
		}
		s = rest
		switch name {
		case "title", "style", "script", "textarea":
			if closing {
				continue
			}
			end := strings.Index(strings.ToLower(s), "</"+name)
			body := s
			if end >= 0 {
				body, s = s[:end], skipTag(s[end:])
			} else {
				s = ""
			}
			if name == "title" && p.doc.title == "" {
				p.doc.title = strings.Join(strings.Fields(html.UnescapeString(body)), " ")
			}
			continue
		}
		p.tag(name, closing)
	}
	p.flush()
}

// skipTag returns s after the tag it starts with, honouring quoted attribute values.
func skipTag(s string) string {
	var q byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '>':
			return s[i+1:]
		}
	}
	return ""
}

// readTag reads the name of the tag s starts with ("<p class=x>", "</li>").
func readTag(s string) (name string, closing bool, rest string, ok bool) {
	i := 1
	if i < len(s) && s[i] == '/' {
		closing = true
		i++
	}
	j := i
	for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || j > i && s[j] >= '0' && s[j] <= '9') {
		j++
	}
	if j == i {
		return "", false, s, false
	}
	return strings.ToLower(s[i:j]), closing, skipTag(s), true
}

func (p *htmlParser) text(s string) {
	if p.inHead || s == "" {
		return
	}
	// Newlines in the source are spaces; only <br> breaks a line.
	t := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, html.UnescapeString(s))
	if p.strong == 0 && strings.IndexFunc(t, func(r rune) bool { return !isSpace(r) }) >= 0 {
		p.plain = true
	}
	p.cur.WriteString(t)
}

func (p *htmlParser) tag(name string, closing bool) {
	switch name {
	case "head":
		p.inHead = !closing
	case "br":
		p.cur.WriteString("\n")
	case "h1", "h2", "h3", "h4", "h5", "h6":
		p.flush()
		if !closing {
			p.kind, p.level = heading, int(name[1]-'0')
		}
	case "ul", "ol":
		p.flush()
		if closing {
			if len(p.lists) > 0 {
				p.lists = p.lists[:len(p.lists)-1]
			}
		} else {
			p.lists = append(p.lists, listState{ordered: name == "ol"})
		}
	case "li":
		p.flush()
		if !closing {
			p.kind, p.level, p.marker = item, max(len(p.lists), 1), "-"
			if n := len(p.lists); n > 0 && p.lists[n-1].ordered {
				p.lists[n-1].n++
				p.marker = itoa(p.lists[n-1].n) + "."
			}
		}
	case "blockquote":
		p.flush()
		if closing {
			p.quoteDepth = max(p.quoteDepth-1, 0)
		} else {
			p.quoteDepth++
		}
		p.kind = p.defaultKind()
	case "p", "div", "address", "header", "footer", "section", "article", "main", "body", "html",
		"table", "tr", "dl", "dt", "dd", "pre", "hr", "nav", "aside", "figure", "figcaption":
		p.flush()
	case "strong", "b":
		if closing {
			p.strong = max(p.strong-1, 0)
		} else {
			p.strong++
		}
	case "td", "th":
		p.cur.WriteString(" ")
	}
}

func (p *htmlParser) defaultKind() blockKind {
	if p.quoteDepth > 0 {
		return quote
	}
	return para
}

// flush ends the block being collected, if it has any text.
func (p *htmlParser) flush() {
	raw := p.cur.String()
	p.cur.Reset()
	var ls []string
	for _, ln := range strings.Split(raw, "\n") {
		if ln = strings.Join(strings.FieldsFunc(ln, isSpace), " "); ln != "" {
			ls = append(ls, ln)
		}
	}
	if len(ls) > 0 {
		b := block{Kind: p.kind, Text: strings.Join(ls, "\n"), Bold: !p.plain && p.kind != heading}
		switch p.kind {
		case heading, item:
			b.Level = p.level
		}
		if p.kind == item {
			b.Marker = p.marker
		}
		p.doc.blocks = append(p.doc.blocks, b)
	}
	p.kind, p.level, p.marker, p.plain = p.defaultKind(), 0, "", false
}

// isSpace reports the white space that may be collapsed and broken at: all of it
// except the no-break space, which keeps dates ("1 April 2005") on one line.
func isSpace(r rune) bool { return r != '\u00a0' && unicode.IsSpace(r) }

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// textWidth is the line length of the plain-text form: short enough to read in any
// mail client and to quote in a reply.
const textWidth = 72

// text lays the document out as plain text: headings underlined, paragraphs
// wrapped, list items with hanging indents, quotations indented.
func (d document) text() string {
	var b strings.Builder
	for i, bl := range d.blocks {
		if i > 0 {
			prev := d.blocks[i-1]
			if !(bl.Kind == item && prev.Kind == item) {
				b.WriteString("\n")
			}
		}
		switch bl.Kind {
		case heading:
			for _, ln := range strings.Split(bl.Text, "\n") {
				b.WriteString(ln + "\n")
				switch bl.Level {
				case 1:
					b.WriteString(strings.Repeat("=", utf8.RuneCountInString(ln)) + "\n")
				case 2:
					b.WriteString(strings.Repeat("-", utf8.RuneCountInString(ln)) + "\n")
				}
			}
		case item:
			indent := strings.Repeat("  ", min(bl.Level, 5)-1)
			first := indent + "  " + bl.Marker + " "
			hang := strings.Repeat(" ", utf8.RuneCountInString(first))
			writeWrapped(&b, bl.Text, first, hang)
		case quote:
			writeWrapped(&b, bl.Text, "    ", "    ")
		default:
			writeWrapped(&b, bl.Text, "", "")
		}
	}
	return b.String()
}

// writeWrapped writes text wrapped at textWidth, the first line after first and the
// others after hang; "\n" in text forces a break. A word longer than the line (an
// address, a URL) is kept whole.
func writeWrapped(b *strings.Builder, text, first, hang string) {
	prefix := first
	for _, ln := range strings.Split(text, "\n") {
		col := 0
		b.WriteString(prefix)
		col = utf8.RuneCountInString(prefix)
		start := col
		for _, w := range strings.FieldsFunc(ln, isSpace) {
			n := utf8.RuneCountInString(w)
			if col > start && col+1+n > textWidth {
				b.WriteString("\n" + hang)
				col = utf8.RuneCountInString(hang)
				start = col
			} else if col > start {
				b.WriteString(" ")
				col++
			}
			b.WriteString(w)
			col += n
		}
		b.WriteString("\n")
		prefix = hang
	}
}
