// Package pricelist builds price files from the AWS Price List (pricing:GetProducts) for
// `bedrock-usage pricing refresh`: it maps product names to the book's model ids exactly,
// converts units to USD per million tokens and refuses what it cannot read, never guessing.
// It is the AWS adapter of the price book; package pricing itself never calls AWS.
package pricelist

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/shopspring/decimal"
)

// PriceLister is the Price List Query API call refresh needs.
type PriceLister interface {
	GetProducts(ctx context.Context, in *awspricing.GetProductsInput, optFns ...func(*awspricing.Options)) (*awspricing.GetProductsOutput, error)
}

var _ PriceLister = (*awspricing.Client)(nil)

// PriceListServices are the Price List service codes that carry Bedrock model prices:
// first-party models (Amazon Nova, Meta Llama, …) and Marketplace models (Anthropic, …).
var PriceListServices = []string{"AmazonBedrock", "AmazonBedrockFoundationModels"}

// PriceListRegions are the regions the Price List Query API is served from.
var PriceListRegions = []string{"us-east-1", "eu-central-1", "ap-south-1"}

// RefreshResult is a price file built from the Price List and what could not go in it.
type RefreshResult struct {
	File     *pricing.File
	Products int      // products read
	Refused  []string // incomplete or contradictory entries, not written
	Unmapped []string // Price List model names the book maps to no model id
	Skipped  []string // price dimensions not understood (unit or kind), not used
}

// Refresh reads every page of GetProducts for PriceListServices and builds a price file in
// the book's format. Product names are mapped to base model ids exactly, through the
// price_list_names of book's models; other names are reported, never guessed. An entry is
// written only when it has both an input and an output rate.
func Refresh(ctx context.Context, client PriceLister, book *pricing.File, now time.Time) (*RefreshResult, error) {
	b := newBuilder(book)
	for _, svc := range PriceListServices {
		var token *string
		for page := 1; ; page++ {
			out, err := client.GetProducts(ctx, &awspricing.GetProductsInput{
				ServiceCode: aws.String(svc),
				NextToken:   token,
				MaxResults:  aws.Int32(100),
			})
			if err != nil {
				return nil, fmt.Errorf("pricing GetProducts %s page %d: %w", svc, page, err)
			}
			for i, raw := range out.PriceList {
				var p plProduct
				if err := json.Unmarshal([]byte(raw), &p); err != nil {
					b.res.Products++
					b.res.Skipped = append(b.res.Skipped, fmt.Sprintf("%s page %d product %d: not JSON: %v", svc, page, i, err))
					continue
				}
				b.add(svc, &p)
			}
			if out.NextToken == nil || *out.NextToken == "" {
				break
			}
			token = out.NextToken
		}
	}
	return b.result(now), nil
}

// FromOfferFile builds the same price file as Refresh from an AWS Price List bulk offer
// file (the public index.json of the AmazonBedrock or AmazonBedrockFoundationModels offer,
// downloaded by a person): no credentials, no API calls. Several files may be read in turn
// into one result with OfferFiles.
func FromOfferFile(r io.Reader, name string, book *pricing.File, now time.Time) (*RefreshResult, error) {
	return OfferFiles(map[string]io.Reader{name: r}, book, now)
}

// OfferFiles reads several bulk offer files into one price file.
func OfferFiles(files map[string]io.Reader, book *pricing.File, now time.Time) (*RefreshResult, error) {
	b := newBuilder(book)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var offer struct {
			OfferCode string `json:"offerCode"`
			Products  map[string]struct {
				SKU           string            `json:"sku"`
				ProductFamily string            `json:"productFamily"`
				Attributes    map[string]string `json:"attributes"`
			} `json:"products"`
			Terms struct {
				OnDemand map[string]json.RawMessage `json:"OnDemand"`
			} `json:"terms"`
		}
		if err := json.NewDecoder(files[n]).Decode(&offer); err != nil {
			return nil, fmt.Errorf("offer file %s: not a Price List offer file: %w", n, err)
		}
		if offer.OfferCode == "" || offer.Products == nil {
			return nil, fmt.Errorf("offer file %s: no offerCode or products: not a Price List offer file", n)
		}
		skus := make([]string, 0, len(offer.Products))
		for sku := range offer.Products {
			skus = append(skus, sku)
		}
		sort.Strings(skus)
		for _, sku := range skus {
			prod := offer.Products[sku]
			var p plProduct
			p.Product.SKU, p.Product.ProductFamily, p.Product.Attributes = sku, prod.ProductFamily, prod.Attributes
			p.ServiceCode = offer.OfferCode
			if raw, ok := offer.Terms.OnDemand[sku]; ok {
				if err := json.Unmarshal(raw, &p.Terms.OnDemand); err != nil {
					b.res.Products++
					b.res.Skipped = append(b.res.Skipped, fmt.Sprintf("%s product %s: terms: %v", n, sku, err))
					continue
				}
			}
			b.add(offer.OfferCode, &p)
		}
	}
	res := b.result(now)
	res.File.Comment = strings.Replace(res.File.Comment, "from the AWS Price List Query API", "from AWS Price List offer files ("+strings.Join(names, ", ")+")", 1)
	for i := range res.File.Entries {
		res.File.Entries[i].Source = "AWS Price List offer file (" + strings.Join(names, ", ") + ")"
	}
	return res, nil
}

// builder maps Price List products to the book's models and gathers their prices.
type builder struct {
	book     *pricing.File
	names    map[string]string
	acc      *accumulator
	unmapped map[string]bool
	res      *RefreshResult
}

func newBuilder(book *pricing.File) *builder {
	b := &builder{book: book, names: map[string]string{}, acc: newAccumulator(), unmapped: map[string]bool{}, res: &RefreshResult{}}
	for id, m := range book.Models {
		for _, n := range m.PriceListNames {
			b.names[n] = id
		}
	}
	return b
}

func (b *builder) add(svc string, p *plProduct) {
	b.res.Products++
	name := p.modelName()
	if name == "" {
		return // not a model (guardrails, knowledge bases, …)
	}
	id, ok := b.names[name]
	if !ok {
		if p.hasTokenPrice() {
			b.unmapped[name] = true
		}
		return
	}
	b.acc.add(svc, id, name, p, b.res)
}

func (b *builder) result(now time.Time) *RefreshResult {
	res := b.res
	res.Unmapped = sortedKeys(b.unmapped)
	res.File = b.acc.file(b.book, now, res)
	res.File.Refreshed = now.UTC().Format("2006-01-02")
	sort.Strings(res.Refused)
	sort.Strings(res.Skipped)
	return res
}

type plProduct struct {
	Product struct {
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
		SKU           string            `json:"sku"`
	} `json:"product"`
	ServiceCode string `json:"serviceCode"`
	Terms       struct {
		OnDemand map[string]struct {
			EffectiveDate   string `json:"effectiveDate"`
			PriceDimensions map[string]struct {
				Unit         string            `json:"unit"`
				Description  string            `json:"description"`
				PricePerUnit map[string]string `json:"pricePerUnit"`
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
}

// modelName is the name the Price List gives the model: servicename for Marketplace models
// ("Claude Haiku 4.5 (Amazon Bedrock Edition)"), model for first-party ones ("Nova Pro").
func (p *plProduct) modelName() string {
	a := p.Product.Attributes
	if s := strings.TrimSpace(a["servicename"]); s != "" && s != "Amazon Bedrock" && s != "Amazon Bedrock Service" {
		return s
	}
	return strings.TrimSpace(a["model"])
}

func (p *plProduct) hasTokenPrice() bool {
	for _, t := range p.Terms.OnDemand {
		for _, d := range t.PriceDimensions {
			if strings.Contains(strings.ToLower(d.Description+" "+d.Unit+" "+p.Product.Attributes["inferenceType"]), "token") {
				return true
			}
		}
	}
	return false
}

// dimension is one understood price: which rate, for which scopes, tier, in $/MTok.
type dimension struct {
	field  int // rInput…
	scopes string
	long   bool
	mult   decimal.Decimal // price × mult = $/MTok
}

// classify reads a price dimension: the label is the part of the description after its last
// "|" ("Million Input Tokens Global"), or the inferenceType attribute of first-party products
// ("Input tokens"). ok is false for prices that are not standard on-demand token prices
// (batch, priority, flex, provisioned, latency-optimized, images…); err for token prices whose
// unit or kind is not understood.
func classify(p *plProduct, unit, description string) (dimension, bool, error) {
	a := p.Product.Attributes
	label := description
	if i := strings.LastIndex(label, "|"); i >= 0 {
		label = label[i+1:]
	}
	l := strings.ToLower(label + " " + a["inferenceType"])
	if f := a["feature"]; f != "" && f != "On-demand Inference" {
		return dimension{}, false, nil
	}
	for _, not := range []string{"batch", "priority", "flex", "provisioned", "reserved", "latency", "custom", "image", "video", "audio", "second", "hour "} {
		if strings.Contains(l, not) && !(not == "hour " && strings.Contains(l, "cache write")) {
			return dimension{}, false, nil
		}
	}
	if !strings.Contains(l, "token") {
		return dimension{}, false, nil
	}
	var d dimension
	switch {
	case strings.Contains(l, "cache read"):
		d.field = rCacheRead
	case strings.Contains(l, "cache write") && (strings.Contains(l, "1 hour") || strings.Contains(l, "1h")):
		d.field = rCacheWrite1h
	case strings.Contains(l, "cache write"):
		d.field = rCacheWrite
	case strings.Contains(l, "input"):
		d.field = rInput
	case strings.Contains(l, "output") || strings.Contains(l, "response"):
		d.field = rOutput
	default:
		return dimension{}, false, fmt.Errorf("token price of unknown kind %q", label)
	}
	d.long = strings.Contains(l, "long context")
	d.scopes = labelScopes(l)
	u := strings.ToLower(strings.TrimSpace(unit))
	var per int32 // tokens per unit, in thousands: 1 (per 1K) or 1000 (per 1M)
	switch {
	case u == "1k tokens" || u == "1k token" || u == "thousand tokens":
		per = 1
	case u == "1m tokens" || u == "1m token" || u == "million tokens":
		per = 1000
	case u == "units" || u == "unit" || u == "":
		switch ll := strings.ToLower(label); {
		case strings.HasPrefix(ll, "million ") || strings.Contains(ll, "per 1 million") || strings.Contains(ll, "per million"):
			per = 1000
		case strings.Contains(ll, "per 1,000") || strings.Contains(ll, "per 1k") || strings.Contains(ll, "thousand"):
			per = 1
		}
	}
	if per == 0 {
		return dimension{}, false, fmt.Errorf("unit %q of %q is not per 1K or per 1M tokens", unit, label)
	}
	d.mult = decimal.NewFromInt32(1000 / per)
	return d, true, nil
}

// labelScopes maps a lower-cased price label to the inference scopes it prices. "Global" is
// the global cross-region profile; "CRIS", "Geo" or "Cross-Region" a geographic profile only;
// "Regional" is the regional rate, which AWS charges for in-region calls and geographic
// profiles alike (the 4.5 generation's +10 % over global); a label without a scope word is
// the one price of a model without scope pricing, for in-region and geographic calls. When a
// model and region also have a geographic-only price, the regional one is narrowed to
// in-region (see accumulator.file).
func labelScopes(l string) string {
	switch {
	case strings.Contains(l, "global"):
		return "global"
	case strings.Contains(l, "cris") || strings.Contains(l, "geo") || strings.Contains(l, "cross-region") || strings.Contains(l, "cross region"):
		return "geo"
	default: // "regional" or no scope word
		return "in-region,geo"
	}
}

type groupKey struct {
	model, region, scopes string
	long                  bool
}

type group struct {
	rates     [nRates]*decimal.Decimal
	effective string
	conflict  []string
	names     map[string]bool
}

type accumulator struct {
	groups map[groupKey]*group
}

func newAccumulator() *accumulator { return &accumulator{groups: map[groupKey]*group{}} }

func (a *accumulator) add(svc, id, name string, p *plProduct, res *RefreshResult) {
	region := p.Product.Attributes["regionCode"]
	for _, term := range p.Terms.OnDemand {
		for _, dim := range term.PriceDimensions {
			d, ok, err := classify(p, dim.Unit, dim.Description)
			if err != nil {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s %s (%s): %v", name, region, p.Product.SKU, err))
				continue
			}
			if !ok {
				continue
			}
			if region == "" {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s (%s): product has no regionCode", name, p.Product.SKU))
				continue
			}
			usd, found := dim.PricePerUnit["USD"]
			price, perr := decimal.NewFromString(usd)
			if !found || perr != nil || price.IsNegative() {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s %s (%s): price %q is not a USD amount", name, region, p.Product.SKU, usd))
				continue
			}
			rate := price.Mul(d.mult) // per 1K × 1000, or per 1M × 1
			k := groupKey{id, region, d.scopes, d.long}
			g := a.groups[k]
			if g == nil {
				g = &group{names: map[string]bool{}}
				a.groups[k] = g
			}
			g.names[name] = true
			if prev := g.rates[d.field]; prev != nil && !prev.Equal(rate) {
				g.conflict = append(g.conflict, fmt.Sprintf("%s %s vs %s", rateName(d.field), prev, rate))
				continue
			}
			g.rates[d.field] = &rate
			if day := dateOf(term.EffectiveDate); day > g.effective {
				g.effective = day
			}
		}
	}
}

// rate slots of a group, in the order of pricing.Rates.
const (
	rInput = iota
	rOutput
	rCacheWrite
	rCacheWrite1h
	rCacheRead
	nRates
)

func rateFields(r *pricing.Rates) []*decimal.Decimal {
	return []*decimal.Decimal{r.Input, r.Output, r.CacheWrite, r.CacheWrite1h, r.CacheRead}
}

func rateName(i int) string {
	return [...]string{"input", "output", "cache_write", "cache_write_1h", "cache_read"}[i]
}

func dateOf(s string) string {
	if len(s) >= 10 {
		if _, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return s[:10]
		}
	}
	return ""
}

func (g *group) count() int {
	n := 0
	for _, r := range g.rates {
		if r != nil {
			n++
		}
	}
	return n
}

func (g *group) toRates() pricing.Rates {
	return pricing.Rates{Input: g.rates[rInput], Output: g.rates[rOutput], CacheWrite: g.rates[rCacheWrite], CacheWrite1h: g.rates[rCacheWrite1h], CacheRead: g.rates[rCacheRead]}
}

// file turns the groups into entries: complete ones only, each listing exactly the regions the
// Price List showed it in. Regions with the same rates (long context and effective date
// included) share one entry with a regions list; nothing is stretched to regions the Price
// List did not show.
func (a *accumulator) file(book *pricing.File, now time.Time, res *RefreshResult) *pricing.File {
	type regional struct {
		region    string
		rates     pricing.Rates
		long      *pricing.Rates
		effective string
	}
	byModelScope := map[[2]string][]regional{}
	for k, g := range a.groups {
		if k.long {
			continue
		}
		scopes := k.scopes
		if scopes == "in-region,geo" && a.groups[groupKey{k.model, k.region, "geo", false}] != nil {
			// A geographic-only price for the same model and region prices geo calls; the
			// regional (or unlabelled) price then covers in-region calls only.
			scopes = "in-region"
		}
		where := fmt.Sprintf("%s in %s (%s)", k.model, k.region, scopes)
		if len(g.conflict) > 0 {
			res.Refused = append(res.Refused, where+": contradictory prices: "+strings.Join(g.conflict, "; "))
			continue
		}
		r := g.toRates()
		if err := r.Validate(""); err != nil {
			res.Refused = append(res.Refused, where+": incomplete: "+err.Error())
			continue
		}
		reg := regional{region: k.region, rates: r, effective: g.effective}
		if lg := a.groups[groupKey{k.model, k.region, k.scopes, true}]; lg != nil {
			lr := lg.toRates()
			if len(lg.conflict) > 0 {
				res.Refused = append(res.Refused, where+": contradictory long-context prices: "+strings.Join(lg.conflict, "; "))
				continue
			}
			if err := lr.Validate("long_context."); err != nil {
				res.Refused = append(res.Refused, where+": incomplete: "+err.Error())
				continue
			}
			reg.long = &lr
			if lg.effective > reg.effective {
				reg.effective = lg.effective
			}
		}
		byModelScope[[2]string{k.model, scopes}] = append(byModelScope[[2]string{k.model, scopes}], reg)
	}
	for k, g := range a.groups {
		if k.long && a.groups[groupKey{k.model, k.region, k.scopes, false}] == nil {
			res.Refused = append(res.Refused, fmt.Sprintf("%s in %s (%s): long-context prices without standard prices (%d rates)", k.model, k.region, k.scopes, g.count()))
		}
	}
	// A model the book declares flat (one rate at any context length, in every entry) stays
	// flat when the Price List shows it no long-context prices.
	flat := map[string]bool{}
	for _, e := range book.Entries {
		if e.Tier != "" {
			continue // tier prices are not refreshed
		}
		if v, seen := flat[e.Model]; !seen || v {
			flat[e.Model] = e.FlatLongContext
		}
	}
	today := now.UTC().Format("2006-01-02")
	f := &pricing.File{Version: 1, Currency: "USD", Unit: "per million tokens",
		Comment: "Built by `bedrock-usage pricing refresh` from the AWS Price List Query API on " + today + ". Each entry lists the regions the Price List showed its prices in. Review before use; use as --prices FILE.",
		Models:  map[string]pricing.ModelInfo{}}
	for ms, regs := range byModelScope {
		model, scopes := ms[0], ms[1]
		sort.Slice(regs, func(i, j int) bool { return regs[i].region < regs[j].region })
		// Group the regions with identical rates and effective date, in region order.
		var groups [][]regional
		for _, r := range regs {
			placed := false
			for gi, g := range groups {
				if sameRates(&g[0].rates, &r.rates) && sameRates(g[0].long, r.long) && g[0].effective == r.effective {
					groups[gi] = append(groups[gi], r)
					placed = true
					break
				}
			}
			if !placed {
				groups = append(groups, []regional{r})
			}
		}
		for _, g := range groups {
			regions := make([]string, len(g))
			for i, r := range g {
				regions[i] = r.region
			}
			r := g[0]
			e := pricing.Entry{Model: model, Scopes: splitScopes(scopes), Region: regions, From: r.effective, Rates: r.rates, LongContext: r.long,
				Source: "AWS Price List Query API (pricing:GetProducts, services " + strings.Join(PriceListServices, ", ") + ")", Checked: today}
			var notes []string
			if e.From == "" {
				e.From = today
				notes = append(notes, "the Price List gave no effective date; from is the refresh date")
			}
			if e.LongContext == nil && flat[model] {
				e.FlatLongContext = true
				notes = append(notes, "flat_long_context from the embedded book (the Price List shows no long-context prices for this model)")
			}
			e.Note = strings.Join(notes, "; ")
			f.Entries = append(f.Entries, e)
		}
		if m, ok := book.Models[model]; ok {
			f.Models[model] = m
		}
	}
	sort.Slice(f.Entries, func(i, j int) bool {
		a, b := f.Entries[i], f.Entries[j]
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		if a.Scopes[0] != b.Scopes[0] {
			return a.Scopes[0] < b.Scopes[0]
		}
		return strings.Join(a.Region, ",") < strings.Join(b.Region, ",")
	})
	return f
}

func splitScopes(s string) []pricing.Scope {
	var out []pricing.Scope
	for _, p := range strings.Split(s, ",") {
		out = append(out, pricing.Scope(p))
	}
	return out
}

func sameRates(a, b *pricing.Rates) bool {
	if a == nil || b == nil {
		return a == b
	}
	af, bf := rateFields(a), rateFields(b)
	for i := range af {
		x, y := af[i], bf[i]
		if (x == nil) != (y == nil) || (x != nil && !x.Equal(*y)) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
