package loggen

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// vocabulary is what generated prompts and answers are made of: 256 words, one byte each.
var vocabulary = func() []string {
	ws := strings.Fields(`
		the a an of to and in for on with by from as at is are was be this that these those it
		we you they our your their customer order invoice contract report summary account data
		model request response ticket issue refund payment shipping delivery product price
		quarter revenue cost budget forecast trend growth churn region market team project
		document page section clause term policy compliance risk review approval status update
		please summarize explain list compare extract classify translate draft write analyze
		check find identify describe suggest recommend answer question table chart metric
		total average median increase decrease change last next current previous monthly weekly
		daily annual new open closed pending urgent high low medium priority error warning
		success failure issue bug feature release version deploy service api endpoint latency
		user users agent session chat message reply thread email call meeting note notes
		because however therefore also only more less most least very quite about around
		between within without before after during while until since than then when where
		which who what how why can could should would will may might must need want
		include includes including based following above below first second third final key
		important relevant specific general detailed brief short long clear simple complex
		sales marketing finance legal support engineering operations product design research
		client vendor partner supplier employee manager director board stakeholder owner
		date time week month year today tomorrow yesterday morning afternoon evening night
		one two three four five ten hundred thousand percent number amount balance
		system prompt context output input token tokens batch job queue schedule
		`)
	seen := make(map[string]bool)
	ws = slices.DeleteFunc(ws, func(w string) bool {
		dup := seen[w]
		seen[w] = true
		return dup
	})
	if len(ws) < 256 {
		panic("loggen: vocabulary has " + strconv.Itoa(len(ws)) + " words, want 256")
	}
	return ws[:256]
}()

// appendText appends about n bytes of sentences made of vocabulary words.
func appendText(b []byte, r *rand.Rand, n int) []byte {
	start := len(b)
	newSentence := true
	words := 0
	for len(b)-start < n {
		bits := r.Uint64()
		for k := 0; k < 8 && len(b)-start < n; k++ {
			w := vocabulary[byte(bits>>(8*k))]
			if newSentence {
				if len(b) > start {
					b = append(b, ' ')
				}
				b = append(b, w[0]-'a'+'A')
				b = append(b, w[1:]...)
				newSentence = false
				words = 1
				continue
			}
			b = append(b, ' ')
			b = append(b, w...)
			words++
			if words > 5 && bits>>(8*k)&0x7 == 0 || words > 22 {
				b = append(b, '.')
				newSentence = true
			}
		}
	}
	if !newSentence {
		b = append(b, '.')
	}
	return b
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendKey appends "key": after a comma unless first.
func appendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendInt(b []byte, key string, v int64) []byte {
	b = appendKey(b, key, false)
	return strconv.AppendInt(b, v, 10)
}

func appendStr(b []byte, key, v string) []byte {
	b = appendKey(b, key, false)
	return appendJSONString(b, v)
}
