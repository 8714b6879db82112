package cur

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"
)

// ModelIndex maps the names a bill gives models to the price book's base model ids, exactly:
// a Price List product name the book declares ("Claude Haiku 4.5 (Amazon Bedrock
// Edition)"), a model id (mantle usage types name the id), or a usage type's compact model
// name ("Claude4.6Sonnet", "NovaLite") whose words and numbers are those of one model's name
// in any order. A name that fits no model, or several, is not mapped.
type ModelIndex struct {
	names map[string]string // lower-cased full name or id → base id ("" when ambiguous)
	words map[string]string // word signature → base id ("" when ambiguous)
}

// ModelInfo is what the index needs of one model of the book.
type ModelInfo struct {
	ID             string
	Name           string
	PriceListNames []string
}

// NewModelIndex indexes the book's models.
func NewModelIndex(models []ModelInfo) *ModelIndex {
	ix := &ModelIndex{names: map[string]string{}, words: map[string]string{}}
	put := func(m map[string]string, k, id string) {
		if k == "" {
			return
		}
		if old, ok := m[k]; ok && old != id {
			m[k] = ""
			return
		}
		m[k] = id
	}
	for _, m := range models {
		put(ix.names, strings.ToLower(m.ID), m.ID)
		put(ix.names, strings.ToLower(idStem(m.ID)), m.ID)
		for _, n := range append([]string{m.Name}, m.PriceListNames...) {
			n = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(n), "(Amazon Bedrock Edition)"))
			put(ix.names, strings.ToLower(n), m.ID)
			put(ix.words, signature(n), m.ID)
		}
	}
	return ix
}

// Lookup maps a product name, model id or usage-type model name to a base model id.
func (ix *ModelIndex) Lookup(name string) (string, bool) {
	name = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(name), "(Amazon Bedrock Edition)"))
	if name == "" {
		return "", false
	}
	if id, ok := ix.names[strings.ToLower(name)]; ok {
		return id, id != ""
	}
	if id, ok := ix.names[strings.ToLower(idStem(name))]; ok {
		return id, id != ""
	}
	id, ok := ix.words[signature(name)]
	return id, ok && id != ""
}

// idStem drops a model id's version suffix: "anthropic.claude-3-haiku-20240307-v1:0" →
// "anthropic.claude-3-haiku".
func idStem(id string) string {
	if !strings.Contains(id, ".") {
		return id
	}
	if i := strings.LastIndex(id, ":"); i > 0 {
		id = id[:i]
	}
	parts := strings.Split(id, "-")
	for len(parts) > 1 {
		last := parts[len(parts)-1]
		if (len(last) == 8 && isDigits(last)) || (len(last) >= 2 && last[0] == 'v' && isDigits(last[1:])) {
			parts = parts[:len(parts)-1]
			continue
		}
		break
	}
	return strings.Join(parts, "-")
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// signature is a name's words and numbers, lower-cased and sorted: "Claude Sonnet 4.6" and
// "Claude4.6Sonnet" are both "4 6 claude sonnet". CamelCase starts a word; a run of digits is
// a word.
func signature(s string) string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			if len(cur) > 0 && !unicode.IsDigit(prev) {
				flush()
			}
			cur = append(cur, r)
		case unicode.IsLetter(r):
			if len(cur) > 0 && (unicode.IsDigit(prev) || (unicode.IsUpper(r) && unicode.IsLower(prev))) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
		prev = r
	}
	flush()
	sort.Strings(words)
	return strings.Join(words, " ")
}

// unitTokens is how many tokens one unit of a line item's usage amount is: from its pricing
// unit ("1K tokens", "1M tokens", "Tokens") or, for the generic unit "Units", from the price
// its description states ("$3.00 per million input tokens …") checked against the item's own
// rate (cost ÷ quantity): a rate equal to the stated price makes a unit the price's
// denominator (a million tokens), a rate of the price per token makes it one token. ok is
// false when nothing says, or the rate fits neither: the item's tokens are then not known,
// and only its cost is compared. The size of a unit is never assumed.
func unitTokens(pricingUnit, description string, qty, cost decimal.Decimal) (decimal.Decimal, bool) {
	u := strings.ToLower(strings.TrimSpace(pricingUnit))
	switch u {
	case "token", "tokens", "count":
		return decimal.NewFromInt(1), true
	case "1k tokens", "1k token", "thousand tokens", "1,000 tokens", "1000 tokens":
		return decimal.NewFromInt(1000), true
	case "1m tokens", "1m token", "million tokens", "1,000,000 tokens", "1000000 tokens":
		return decimal.NewFromInt(1_000_000), true
	case "units", "unit", "":
		m := priceRE.FindStringSubmatch(strings.ToLower(description))
		if m == nil || qty.IsZero() || cost.IsZero() {
			return decimal.Decimal{}, false
		}
		price, err := decimal.NewFromString(m[1])
		if err != nil || price.IsZero() {
			return decimal.Decimal{}, false
		}
		per := decimal.NewFromInt(1_000_000)
		if strings.Contains(m[2], "k") || strings.Contains(m[2], "thousand") || m[2] == "1,000" || m[2] == "1000" {
			per = decimal.NewFromInt(1000)
		}
		rate := cost.Div(qty)
		switch {
		case near(rate, price):
			return per, true
		case near(rate, price.Div(per)):
			return decimal.NewFromInt(1), true
		}
	}
	return decimal.Decimal{}, false
}

// priceRE reads the price a line item's description states.
var priceRE = regexp.MustCompile(`\$\s*([0-9]+(?:\.[0-9]+)?)\s*(?:usd\s*)?per\s+(1,000,000|1000000|1 million|million|1m|1,000|1000|thousand|1k)\b`)

// near says whether a is within 1 % of b.
func near(a, b decimal.Decimal) bool {
	return a.Sub(b).Abs().LessThanOrEqual(b.Abs().Div(decimal.NewFromInt(100)))
}
