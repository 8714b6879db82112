package pricelist

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// marketplaceProduct builds an AmazonBedrockFoundationModels product in the Price List's shape
// (servicename names the model; the dimension description ends with the price's label).
func marketplaceProduct(sku, servicename, region, label, unit, usd string) string {
	return product(sku, "AmazonBedrockFoundationModels", map[string]string{
		"servicename": servicename, "regionCode": region, "servicecode": "AmazonBedrockFoundationModels",
		"usagetype": "USE1-MP:USE1_" + strings.ReplaceAll(label, " ", "") + "-Units",
	}, "AWS Marketplace software usage|"+region+"|"+label, unit, usd)
}

// firstPartyProduct builds an AmazonBedrock product (model and inferenceType attributes).
func firstPartyProduct(sku, model, region, inferenceType, feature, unit, usd string) string {
	return product(sku, "AmazonBedrock", map[string]string{
		"servicename": "Amazon Bedrock", "model": model, "regionCode": region, "inferenceType": inferenceType,
		"feature": feature, "usagetype": "USE1-" + strings.ReplaceAll(model, " ", "") + "-" + strings.ReplaceAll(strings.ToLower(inferenceType), " ", "-"),
	}, fmt.Sprintf("$%s per %s %s", usd, unit, inferenceType), unit, usd)
}

func product(sku, service string, attrs map[string]string, description, unit, usd string) string {
	term := sku + ".JRTCKXETXF"
	rate := term + ".6YS6EN2CT7"
	p := map[string]any{
		"product":     map[string]any{"productFamily": "Machine Learning", "attributes": attrs, "sku": sku},
		"serviceCode": service,
		"terms": map[string]any{"OnDemand": map[string]any{term: map[string]any{
			"priceDimensions": map[string]any{rate: map[string]any{
				"unit": unit, "endRange": "Inf", "description": description, "appliesTo": []string{},
				"rateCode": rate, "beginRange": "0", "pricePerUnit": map[string]string{"USD": usd},
			}},
			"sku": sku, "effectiveDate": "2025-11-01T00:00:00Z", "offerTermCode": "JRTCKXETXF", "termAttributes": map[string]string{},
		}}},
		"version":         "20251101000000",
		"publicationDate": "2025-11-01T00:00:00Z",
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// fakePriceList serves AWSPriceListService.GetProducts (JSON 1.1), pageSize products a page.
type fakePriceList struct {
	mu       sync.Mutex
	products map[string][]string
	pageSize int
	requests []string
}

func (f *fakePriceList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AWSPriceListService.GetProducts" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var in struct {
		ServiceCode string
		NextToken   string
		MaxResults  int
	}
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, in.ServiceCode+"@"+in.NextToken)
	f.mu.Unlock()
	all := f.products[in.ServiceCode]
	start := 0
	fmt.Sscanf(in.NextToken, "page-%d", &start)
	end := min(start+f.pageSize, len(all))
	out := map[string]any{"FormatVersion": "aws_v1", "PriceList": all[start:end]}
	if end < len(all) {
		out["NextToken"] = fmt.Sprintf("page-%d", end)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func newFakePricingClient(t *testing.T, f *fakePriceList) *awspricing.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return awspricing.New(awspricing.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:   srv.Client(),
	})
}

// RefreshFixture is a Price List in the real shape, used here and by the CLI tests.
func refreshFixture() map[string][]string {
	const h45 = "Claude Haiku 4.5 (Amazon Bedrock Edition)"
	const s4 = "Claude Sonnet 4 (Amazon Bedrock Edition)"
	var mp []string
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		mp = append(mp,
			marketplaceProduct("H1"+region, h45, region, "Million Input Tokens Regional", "Units", "1.10"),
			marketplaceProduct("H2"+region, h45, region, "Million Response Tokens Regional", "Units", "5.50"),
			marketplaceProduct("H3"+region, h45, region, "Million Cache Read Input Tokens Regional", "Units", "0.11"),
			marketplaceProduct("H4"+region, h45, region, "Million Cache Write Input Tokens Regional", "Units", "1.375"),
			marketplaceProduct("H5"+region, h45, region, "Million Input Tokens Global", "1M tokens", "1.00"),
			marketplaceProduct("H6"+region, h45, region, "Million Response Tokens Global", "1M tokens", "5.00"),
			marketplaceProduct("H7"+region, h45, region, "Million Batch Input Tokens Global", "Units", "0.50"),
		)
	}
	mp = append(mp,
		// A changed price: Sonnet 4 input in us-east-1 only, and an input without an output
		// in ap-south-1 (refused, not written with a zero output).
		marketplaceProduct("S1", s4, "us-east-1", "Million Input Tokens", "Units", "3.50"),
		marketplaceProduct("S2", s4, "us-east-1", "Million Response Tokens", "Units", "15"),
		marketplaceProduct("S3", s4, "ap-south-1", "Million Input Tokens", "Units", "3"),
		marketplaceProduct("X1", "Mystery Model (Amazon Bedrock Edition)", "us-east-1", "Million Input Tokens", "Units", "1"),
		marketplaceProduct("G1", h45, "us-gov-west-1", "Million Input Tokens Regional", "Units", "1.32"),
		marketplaceProduct("G2", h45, "us-gov-west-1", "Million Response Tokens Regional", "Units", "6.60"),
	)
	fp := []string{
		firstPartyProduct("N1", "Nova Pro", "us-east-1", "Input tokens", "On-demand Inference", "1K tokens", "0.0008"),
		firstPartyProduct("N2", "Nova Pro", "us-east-1", "Output tokens", "On-demand Inference", "1K tokens", "0.0032"),
		firstPartyProduct("N3", "Nova Pro", "us-east-1", "Input tokens priority", "On-demand Inference", "1K tokens", "0.0014"),
		firstPartyProduct("N4", "Nova Pro", "us-east-1", "Input tokens", "Batch Inference", "1K tokens", "0.0004"),
		firstPartyProduct("L1", "Llama 3.3 70B", "us-east-1", "Input tokens", "On-demand Inference", "1K tokens", "0.00072"),
		firstPartyProduct("L2", "Llama 3.3 70B", "us-east-1", "Output tokens", "On-demand Inference", "1K tokens", "0.00072"),
		firstPartyProduct("Z1", "Nova Pro", "us-west-2", "Input tokens", "On-demand Inference", "Requests", "20"),
	}
	return map[string][]string{"AmazonBedrockFoundationModels": mp, "AmazonBedrock": fp}
}

func TestRefresh(t *testing.T) {
	f := &fakePriceList{products: refreshFixture(), pageSize: 4}
	client := newFakePricingClient(t, f)
	book, err := pricing.EmbeddedBook()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	res, err := Refresh(context.Background(), client, book, now)
	if err != nil {
		t.Fatal(err)
	}
	wantProducts := len(f.products["AmazonBedrock"]) + len(f.products["AmazonBedrockFoundationModels"])
	if res.Products != wantProducts {
		t.Errorf("read %d products, want %d (all pages of both services)", res.Products, wantProducts)
	}
	// Every page of both services was asked for.
	pages := func(n int) int { return (n + f.pageSize - 1) / f.pageSize }
	if got := len(f.requests); got != pages(len(f.products["AmazonBedrock"]))+pages(len(f.products["AmazonBedrockFoundationModels"])) {
		t.Errorf("made %d requests: %v", got, f.requests)
	}

	type row struct{ model, scopes, regions, input, output, cw, cr string }
	var got []row
	str := func(d interface{ String() string }, ok bool) string {
		if !ok {
			return "-"
		}
		return d.String()
	}
	for _, e := range res.File.Entries {
		var sc []string
		for _, s := range e.Scopes {
			sc = append(sc, string(s))
		}
		got = append(got, row{e.Model, strings.Join(sc, ","), strings.Join(e.Region, ","),
			str(e.Input, e.Input != nil), str(e.Output, e.Output != nil), str(e.CacheWrite, e.CacheWrite != nil), str(e.CacheRead, e.CacheRead != nil)})
	}
	// "Regional" prices cover in-region and geographic calls; every entry lists exactly the
	// regions the Price List showed (regions that agree share one entry), none is stretched to
	// every commercial region.
	want := []row{
		{"amazon.nova-pro-v1:0", "in-region,geo", "us-east-1", "0.8", "3.2", "-", "-"},
		{"anthropic.claude-haiku-4-5-20251001-v1:0", "global", "eu-west-1,us-east-1", "1", "5", "-", "-"},
		{"anthropic.claude-haiku-4-5-20251001-v1:0", "in-region,geo", "eu-west-1,us-east-1", "1.1", "5.5", "1.375", "0.11"},
		{"anthropic.claude-haiku-4-5-20251001-v1:0", "in-region,geo", "us-gov-west-1", "1.32", "6.6", "-", "-"},
		{"anthropic.claude-sonnet-4-20250514-v1:0", "in-region,geo", "us-east-1", "3.5", "15", "-", "-"},
		{"meta.llama3-3-70b-instruct-v1:0", "in-region,geo", "us-east-1", "0.72", "0.72", "-", "-"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, e := range res.File.Entries {
		if len(e.Region) == 0 {
			t.Errorf("%s %v: entry without regions prices every commercial region", e.Model, e.Scopes)
		}
		// Nova Pro is flat in the book and the Price List shows no long-context price for it.
		if wantFlat := e.Model == "amazon.nova-pro-v1:0"; e.FlatLongContext != wantFlat {
			t.Errorf("%s: flat_long_context %v, want %v", e.Model, e.FlatLongContext, wantFlat)
		}
	}
	if len(res.Refused) != 1 || !strings.Contains(res.Refused[0], "anthropic.claude-sonnet-4-20250514-v1:0 in ap-south-1") || !strings.Contains(res.Refused[0], "output: missing") {
		t.Errorf("refused %q, want the ap-south-1 Sonnet 4 input without output", res.Refused)
	}
	if len(res.Unmapped) != 1 || res.Unmapped[0] != "Mystery Model (Amazon Bedrock Edition)" {
		t.Errorf("unmapped %q, want the mystery model", res.Unmapped)
	}
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], `unit "Requests"`) {
		t.Errorf("skipped %q, want the per-hour dimension", res.Skipped)
	}

	// The written file reads back as a valid price file.
	data, err := res.File.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pricing.ParseFile("refreshed.json", data); err != nil {
		t.Fatalf("refreshed file does not parse: %v\n%s", err, data)
	}

	// Differences from the embedded book.
	b, err := pricing.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	diff := pricing.Diff(b, res.File, now)
	var lines []string
	for _, d := range diff {
		lines = append(lines, d.String())
	}
	joined := strings.Join(lines, "\n")
	for _, w := range []string{
		// Sonnet 4's book price ended on 2026-07-14 (public extended access): the refreshed
		// price is one the book lacks.
		"new     anthropic.claude-sonnet-4-20250514-v1:0 geo us-east-1: not priced by the book: input 3.5, output 15",
		"new     anthropic.claude-haiku-4-5-20251001-v1:0 in-region us-gov-west-1: not priced by the book: input 1.32, output 6.6",
		"changed anthropic.claude-haiku-4-5-20251001-v1:0 global us-east-1: cache_write 1.25 → none, cache_write_1h 2 → none, cache_read 0.1 → none",
		"changed anthropic.claude-haiku-4-5-20251001-v1:0 global eu-west-1: cache_write 1.25 → none, cache_write_1h 2 → none, cache_read 0.1 → none",
		"changed anthropic.claude-haiku-4-5-20251001-v1:0 geo eu-west-1: cache_write_1h 2.2 → none",
		"new     anthropic.claude-haiku-4-5-20251001-v1:0 geo us-gov-west-1: not priced by the book: input 1.32, output 6.6",
		"missing anthropic.claude-opus-4-5-20251101-v1:0",
	} {
		if !strings.Contains(joined, w) {
			t.Errorf("diff lacks %q:\n%s", w, joined)
		}
	}
	// Nova Pro's input and output match the book; the fixture has no cache-read row.
	if strings.Contains(joined, "amazon.nova-pro-v1:0 geo us-east-1: input") {
		t.Errorf("Nova Pro's input did not change, diff says:\n%s", joined)
	}
	if strings.Contains(joined, "all commercial regions") || strings.Contains(joined, "amazon.nova-pro-v1:0 geo us-east-1: long context") {
		t.Errorf("diff compares prices the Price List did not show:\n%s", joined)
	}
}

// TestLabelScopes: the scopes each Price List label prices.
func TestLabelScopes(t *testing.T) {
	tests := []struct{ label, unit, want string }{
		{"Million Input Tokens Regional", "Units", "in-region,geo"},
		{"Million Response Tokens Regional", "Units", "in-region,geo"},
		{"Million Cache Read Input Tokens Regional", "Units", "in-region,geo"},
		{"Million Input Tokens Long Context Regional", "Units", "in-region,geo"},
		{"Million Input Tokens Global", "Units", "global"},
		{"Million Input Tokens Long Context Global", "Units", "global"},
		{"Million Input Tokens", "Units", "in-region,geo"},
		{"Input tokens", "1K tokens", "in-region,geo"},
		{"Million Input Tokens CRIS", "Units", "geo"},
		{"Million Input Tokens Geo", "Units", "geo"},
		{"Million Input Tokens Cross-Region", "Units", "geo"},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			d, ok, err := classify(&plProduct{}, tt.unit, "AWS Marketplace software usage|us-east-1|"+tt.label)
			if err != nil || !ok {
				t.Fatalf("classify: ok %v, err %v", ok, err)
			}
			if d.scopes != tt.want {
				t.Errorf("got %s, want %s", d.scopes, tt.want)
			}
		})
	}
}

// A geographic-only price for a model and region prices geo calls; the regional price of the
// same model and region then covers in-region calls only (no two entries for one scope).
func TestRefreshGeoPriceNarrowsRegional(t *testing.T) {
	const o41 = "Claude Opus 4.1 (Amazon Bedrock Edition)"
	f := &fakePriceList{pageSize: 10, products: map[string][]string{"AmazonBedrockFoundationModels": {
		marketplaceProduct("R1", o41, "us-east-1", "Million Input Tokens Regional", "Units", "15"),
		marketplaceProduct("R2", o41, "us-east-1", "Million Response Tokens Regional", "Units", "75"),
		marketplaceProduct("C1", o41, "us-east-1", "Million Input Tokens CRIS", "Units", "16"),
		marketplaceProduct("C2", o41, "us-east-1", "Million Response Tokens CRIS", "Units", "80"),
		marketplaceProduct("R3", o41, "us-west-2", "Million Input Tokens Regional", "Units", "15"),
		marketplaceProduct("R4", o41, "us-west-2", "Million Response Tokens Regional", "Units", "75"),
	}}}
	book, err := pricing.EmbeddedBook()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Refresh(context.Background(), newFakePricingClient(t, f), book, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.File.Entries {
		var sc []string
		for _, s := range e.Scopes {
			sc = append(sc, string(s))
		}
		got = append(got, fmt.Sprintf("%s %s %s/%s", strings.Join(sc, ","), strings.Join(e.Region, ","), e.Input, e.Output))
	}
	want := []string{"geo us-east-1 16/80", "in-region us-east-1 15/75", "in-region,geo us-west-2 15/75"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("got %q, want %q", got, want)
	}
	data, err := res.File.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pricing.ParseFile("refreshed.json", data); err != nil {
		t.Errorf("refreshed file does not parse: %v", err)
	}
}

// TestOfferFileMatchesRefresh writes the Price List fixture as the two bulk offer files AWS
// publishes (products by sku, terms.OnDemand by sku) and checks that reading them builds the
// same entries as the Query API did, sources aside.
func TestOfferFileMatchesRefresh(t *testing.T) {
	book, err := pricing.EmbeddedBook()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	f := &fakePriceList{products: refreshFixture(), pageSize: 4}
	api, err := Refresh(context.Background(), newFakePricingClient(t, f), book, now)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]io.Reader{}
	for svc, products := range refreshFixture() {
		offer := map[string]any{"formatVersion": "v1.0", "offerCode": svc, "products": map[string]any{}, "terms": map[string]any{"OnDemand": map[string]any{}}}
		for _, raw := range products {
			var p map[string]any
			if err := json.Unmarshal([]byte(raw), &p); err != nil {
				t.Fatal(err)
			}
			prod := p["product"].(map[string]any)
			sku := prod["sku"].(string)
			offer["products"].(map[string]any)[sku] = prod
			offer["terms"].(map[string]any)["OnDemand"].(map[string]any)[sku] = p["terms"].(map[string]any)["OnDemand"]
		}
		b, err := json.Marshal(offer)
		if err != nil {
			t.Fatal(err)
		}
		files[svc+".json"] = bytes.NewReader(b)
	}
	got, err := OfferFiles(files, book, now)
	if err != nil {
		t.Fatal(err)
	}
	strip := func(es []pricing.Entry) []pricing.Entry {
		out := slices.Clone(es)
		for i := range out {
			out[i].Source = ""
		}
		return out
	}
	opt := cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })
	if diff := cmp.Diff(strip(api.File.Entries), strip(got.File.Entries), opt, cmpopts.IgnoreUnexported(pricing.Entry{})); diff != "" {
		t.Errorf("offer-file entries differ from the Query API's (-api +offer):\n%s", diff)
	}
	if diff := cmp.Diff(api.Unmapped, got.Unmapped); diff != "" {
		t.Errorf("unmapped (-api +offer):\n%s", diff)
	}
	if got.File.Refreshed != "2026-11-26" || len(got.File.Entries) == 0 {
		t.Errorf("refreshed %q with %d entries, want 2026-11-26 and some", got.File.Refreshed, len(got.File.Entries))
	}
	if _, err := OfferFiles(map[string]io.Reader{"x.json": strings.NewReader(`{"a":1}`)}, book, now); err == nil {
		t.Error("a JSON file that is no offer file was accepted")
	}
}
