package invocationlog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// scanner is a small validating JSON scanner over one line's bytes. It reads the fields a
// record needs and skips everything else (bodies above all) without allocating: skipping
// checks the value is well-formed JSON, so a line is malformed exactly when encoding/json
// would reject it. Nesting is limited to maxDepth, as in encoding/json.
type scanner struct {
	b     []byte
	i     int
	err   error
	stack []byte // open containers of skipValue, reused
	// base is the nesting depth skipValue starts at (a value inside a body that the decoder
	// walks itself), so the depth limit counts from the top of the line.
	base int
}

const maxDepth = 10000

// syntaxError records the first syntax error at the current offset.
func (s *scanner) syntaxError(what string) {
	if s.err != nil {
		return
	}
	if s.i >= len(s.b) {
		s.err = fmt.Errorf("unexpected end of line (after %d bytes) %s", len(s.b), what)
		return
	}
	s.err = fmt.Errorf("invalid character %q at byte %d %s", s.b[s.i], s.i+1, what)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// consume skips white space and then c, reporting whether c was there.
func (s *scanner) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// strPlain marks bytes that can appear unescaped in a JSON string and need no attention:
// everything but '"', '\\' and control characters.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

var hexDigit = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()

// str reads a string at s.i (which must be '"') and returns its raw contents (between the
// quotes) and whether they contain escapes.
func (s *scanner) str() (raw []byte, escaped bool) {
	if s.peek() != '"' {
		s.syntaxError("(want a string)")
		return nil, false
	}
	b := s.b
	start := s.i + 1
	i := start
	for {
		// Fast path: eight plain bytes at a time (SWAR: no byte is '"', '\\' or < 0x20).
		for i+8 <= len(b) && plain8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			s.i = i
			s.syntaxError("in string")
			return nil, false
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return b[start:i], escaped
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				s.i = len(b)
				s.syntaxError("in string escape")
				return nil, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !hexDigit[b[i+2]] || !hexDigit[b[i+3]] || !hexDigit[b[i+4]] || !hexDigit[b[i+5]] {
					s.i = min(i+2, len(b))
					s.syntaxError("in \\u escape")
					return nil, false
				}
				i += 6
			default:
				s.i = i + 1
				s.syntaxError("in string escape")
				return nil, false
			}
		default: // control character
			s.i = i
			s.syntaxError("in string")
			return nil, false
		}
	}
}

// number reads a JSON number at s.i and returns its text.
func (s *scanner) number() []byte {
	b := s.b
	start := s.i
	i := s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.i = i
		s.syntaxError("in number")
		return nil
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			s.syntaxError("after decimal point in number")
			return nil
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			s.syntaxError("in exponent of number")
			return nil
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	s.i = i
	return b[start:i]
}

func (s *scanner) literal(lit string) {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return
	}
	// Point at the first wrong byte.
	for k := 0; k < len(lit) && s.i < len(s.b) && s.b[s.i] == lit[k]; k++ {
		s.i++
	}
	s.syntaxError("in literal " + lit)
}

// scalar skips a value that is not an object or array.
func (s *scanner) scalar() {
	switch c := s.peek(); {
	case c == '"':
		s.str()
	case c == 't':
		s.literal("true")
	case c == 'f':
		s.literal("false")
	case c == 'n':
		s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		s.number()
	default:
		s.syntaxError("looking for beginning of value")
	}
}

// skipValue skips one JSON value (after white space), checking that it is well formed. It
// is iterative, so deep nesting costs no stack.
func (s *scanner) skipValue() {
	stack := s.stack[:0]
	defer func() { s.stack = stack[:0] }()
	for s.err == nil {
		// A value is expected here.
		s.ws()
		switch s.peek() {
		case '{':
			s.i++
			if s.consume('}') {
				break
			}
			if len(stack)+s.base >= maxDepth {
				s.err = fmt.Errorf("nesting deeper than %d at byte %d", maxDepth, s.i)
				return
			}
			stack = append(stack, '{')
			s.ws()
			s.str()
			if !s.consume(':') {
				s.syntaxError("after object key")
			}
			continue
		case '[':
			s.i++
			if s.consume(']') {
				break
			}
			if len(stack)+s.base >= maxDepth {
				s.err = fmt.Errorf("nesting deeper than %d at byte %d", maxDepth, s.i)
				return
			}
			stack = append(stack, '[')
			continue
		default:
			s.scalar()
		}
		// After a value: close containers or move to the next element.
		for s.err == nil {
			if len(stack) == 0 {
				return
			}
			s.ws()
			top := stack[len(stack)-1]
			c := s.peek()
			if c == ',' {
				s.i++
				if top == '{' {
					s.ws()
					s.str()
					if !s.consume(':') {
						s.syntaxError("after object key")
					}
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				s.i++
				stack = stack[:len(stack)-1]
				continue
			}
			if top == '{' {
				s.syntaxError("after object key:value pair")
			} else {
				s.syntaxError("after array element")
			}
		}
	}
}

// object walks the members of an object at s.i (after white space), calling member with
// each key; member must consume the value. A null value is an absent object.
// It reports false when the value is neither an object nor null (nothing is consumed then).
func (s *scanner) object(member func(key []byte)) bool {
	s.ws()
	switch s.peek() {
	case 'n':
		s.literal("null")
		return true
	case '{':
	default:
		return false
	}
	s.i++
	if s.consume('}') {
		return true
	}
	for s.err == nil {
		s.ws()
		key, esc := s.str()
		if s.err != nil {
			return true
		}
		if esc || !utf8.Valid(key) {
			key = []byte(unescape(key))
		}
		if !s.consume(':') {
			s.syntaxError("after object key")
			return true
		}
		s.ws()
		member(key)
		if s.err != nil {
			return true
		}
		if s.consume(',') {
			continue
		}
		if s.consume('}') {
			return true
		}
		s.syntaxError("after object key:value pair")
	}
	return true
}

// array walks the elements of an array at s.i (after white space), calling elem for each;
// elem must consume the value. It reports false when the value is not an array.
func (s *scanner) array(elem func()) bool {
	s.ws()
	if s.peek() != '[' {
		return false
	}
	s.i++
	if s.consume(']') {
		return true
	}
	for s.err == nil {
		s.ws()
		elem()
		if s.err != nil {
			return true
		}
		if s.consume(',') {
			continue
		}
		if s.consume(']') {
			return true
		}
		s.syntaxError("after array element")
	}
	return true
}

// kind names the JSON type of the value at s.i, for error messages.
func (s *scanner) kind() string {
	switch c := s.peek(); {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	default:
		return "number"
	}
}

// unescape decodes the raw contents of a string that has escapes. It is the slow path:
// field values in invocation logs almost never carry escapes.
func unescape(raw []byte) string {
	q := make([]byte, 0, len(raw)+2)
	q = append(q, '"')
	q = append(q, raw...)
	q = append(q, '"')
	var out string
	if err := json.Unmarshal(q, &out); err != nil {
		// raw was validated by str, so this does not happen; keep the text rather than lose it.
		return string(raw)
	}
	return out
}

// parseCount reads a token count: a non-negative whole number, possibly written with a
// fraction or exponent (12.0, 1.2e3).
func parseCount(num []byte) (int64, error) {
	if len(num) > 0 && len(num) <= 18 {
		var n int64
		digits := true
		for _, c := range num {
			if c < '0' || c > '9' {
				digits = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if digits {
			return n, nil
		}
	}
	if allDigits(num) {
		n, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is too large", num)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil && f == 0 {
		return 0, fmt.Errorf("%s is not a number", num)
	}
	switch {
	case f < 0:
		return 0, fmt.Errorf("%s is negative", num)
	case f != math.Trunc(f):
		return 0, fmt.Errorf("%s is not a whole number", num)
	case f >= math.MaxInt64 || math.IsInf(f, 0):
		return 0, fmt.Errorf("%s is too large", num)
	}
	return int64(f), nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plain8 reports whether none of the eight bytes in x needs attention in a string: none is
// '"', '\\' or a control character. (A byte is zero in v when (v-ones) & ^v & highs has its
// high bit; a byte is below n when (x - n*ones) & ^x & highs has. Either test may flag
// extra bytes after a true one, never a word with none.)
func plain8(x uint64) bool {
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	return ((q-ones)&^q|(bs-ones)&^bs|(x-ones*0x20)&^x)&highs == 0
}
