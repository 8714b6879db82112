// Package cur reads the AWS Cost and Usage Report 2.0 (a Data Exports export, Parquet) and
// reconciles its Bedrock line items with what the invocation logs say was used and what the
// price book says it cost. The logs are immediate and detailed but an estimate; the bill is
// late and coarse but what is paid. Putting the two side by side, per day, region, model,
// token kind, scope and IAM principal, says how far the reports can be trusted, names what
// the logs cannot see (bedrock-mantle traffic, batch jobs, other accounts, regions and hours
// without logging) and corrects the price book from the rates actually billed.
//
// The package is pure: it decodes Parquet from an io.ReaderAt and never calls AWS. The CLI
// fetches the files (a folder, an S3 prefix) or runs the one Athena query (analytics/athena)
// that yields the same Items.
package cur

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"
)

// LineItem is one row of a CUR 2.0 export, the columns reconcile reads
// (deployment.CURColumns). Columns a file lacks read as empty; columns it has beyond these
// are not read.
type LineItem struct {
	BillingPeriodStart time.Time         `parquet:"bill_billing_period_start_date,optional,timestamp(millisecond)"`
	PayerAccount       string            `parquet:"bill_payer_account_id,optional"`
	UsageAccount       string            `parquet:"line_item_usage_account_id,optional"`
	LineItemType       string            `parquet:"line_item_line_item_type,optional"`
	UsageStart         time.Time         `parquet:"line_item_usage_start_date,optional,timestamp(millisecond)"`
	UsageEnd           time.Time         `parquet:"line_item_usage_end_date,optional,timestamp(millisecond)"`
	ProductCode        string            `parquet:"line_item_product_code,optional"`
	UsageType          string            `parquet:"line_item_usage_type,optional"`
	Operation          string            `parquet:"line_item_operation,optional"`
	Description        string            `parquet:"line_item_line_item_description,optional"`
	ResourceID         string            `parquet:"line_item_resource_id,optional"`
	UsageAmount        float64           `parquet:"line_item_usage_amount,optional"`
	UnblendedRate      string            `parquet:"line_item_unblended_rate,optional"`
	UnblendedCost      float64           `parquet:"line_item_unblended_cost,optional"`
	NetUnblendedCost   *float64          `parquet:"line_item_net_unblended_cost,optional"`
	IAMPrincipal       string            `parquet:"line_item_iam_principal,optional"`
	PricingUnit        string            `parquet:"pricing_unit,optional"`
	RegionCode         string            `parquet:"product_region_code,optional"`
	Product            map[string]string `parquet:"product,optional"`
}

// Item is the bill at the grain reconcile works on: line items summed by everything but
// their amounts. The in-process reader (Items.Add) and the Athena query build the same Items
// from the same files; the equivalence test holds them equal.
type Item struct {
	Day          time.Time // the usage day, UTC
	Account      string    // line_item_usage_account_id
	LineItemType string
	ProductCode  string
	UsageType    string
	Operation    string
	Principal    string // line_item_iam_principal
	RegionCode   string // product_region_code
	PricingUnit  string
	Description  string // line_item_line_item_description: says the unit when PricingUnit is "Units"
	// ProductName is the model's name as the product attributes give it: product['model']
	// for first-party models, else product['servicename'] or product['product_name'].
	ProductName string
	Quantity    decimal.Decimal // Σ line_item_usage_amount, in PricingUnit
	Cost        decimal.Decimal // Σ line_item_unblended_cost, USD
	Lines       int64           // line items summed
}

// itemKey is what Items are grouped by.
type itemKey struct {
	Day                                                                 time.Time
	Account, LineItemType, ProductCode, UsageType, Operation, Principal string
	RegionCode, PricingUnit, Description, ProductName                   string
}

func (it *Item) key() itemKey {
	return itemKey{it.Day, it.Account, it.LineItemType, it.ProductCode, it.UsageType, it.Operation, it.Principal, it.RegionCode, it.PricingUnit, it.Description, it.ProductName}
}

// productName is the model name of a line item's product attributes (see Item.ProductName).
func productName(p map[string]string) string {
	for _, k := range []string{"model", "servicename", "product_name"} {
		if v := strings.TrimSpace(p[k]); v != "" && !genericProductName(v) {
			return v
		}
	}
	return ""
}

// genericProductName is a product name that names the service rather than a model.
func genericProductName(v string) bool {
	switch strings.ToLower(v) {
	case "amazon bedrock", "amazon bedrock service", "amazon bedrock foundation models":
		return true
	}
	return false
}

// Items sums line items into Items. The zero value is not usable; use NewItems.
type Items struct {
	m map[itemKey]*Item
	// Read counts the line items read; Bedrock the ones kept (IsBedrock); NoDate the Bedrock
	// ones without a usage start date, which no period can hold (they are left out and said).
	Read, Bedrock, NoDate int64
}

// NewItems returns an empty Items.
func NewItems() *Items { return &Items{m: map[itemKey]*Item{}} }

// Add adds one line item when it is a Bedrock line item (see IsBedrock).
func (s *Items) Add(li *LineItem) {
	s.Read++
	if !IsBedrock(li.ProductCode, li.Product) {
		return
	}
	s.Bedrock++
	if li.UsageStart.IsZero() {
		s.NoDate++
		return
	}
	it := Item{
		Day: li.UsageStart.UTC().Truncate(24 * time.Hour), Account: li.UsageAccount, LineItemType: li.LineItemType,
		ProductCode: li.ProductCode, UsageType: li.UsageType, Operation: li.Operation, Principal: li.IAMPrincipal,
		RegionCode: li.RegionCode, PricingUnit: li.PricingUnit, Description: li.Description, ProductName: productName(li.Product),
	}
	s.AddItem(it, amount(li.UsageAmount), amount(li.UnblendedCost), 1)
}

// amount is a CUR double as an exact decimal: its shortest representation, rounded to the
// 10 decimals CUR amounts carry (as the Athena query's CAST(… AS decimal(38,10)) does), so
// that both readings sum the same numbers exactly.
func amount(v float64) decimal.Decimal { return decimal.NewFromFloat(v).Round(10) }

// AddItem adds an already grouped item (an Athena result row) with its sums.
func (s *Items) AddItem(it Item, qty, cost decimal.Decimal, lines int64) {
	k := it.key()
	g := s.m[k]
	if g == nil {
		g = &it
		g.Quantity, g.Cost, g.Lines = decimal.Zero, decimal.Zero, 0
		s.m[k] = g
	}
	g.Quantity = g.Quantity.Add(qty)
	g.Cost = g.Cost.Add(cost)
	g.Lines += lines
}

// All returns the items in a stable order.
func (s *Items) All() []Item {
	out := make([]Item, 0, len(s.m))
	for _, it := range s.m {
		out = append(out, *it)
	}
	slices.SortFunc(out, func(a, b Item) int {
		return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.RegionCode, b.RegionCode), cmp.Compare(a.UsageType, b.UsageType),
			cmp.Compare(a.Principal, b.Principal), cmp.Compare(a.Account, b.Account), cmp.Compare(a.LineItemType, b.LineItemType),
			cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.ProductCode, b.ProductCode), cmp.Compare(a.ProductName, b.ProductName),
			cmp.Compare(a.PricingUnit, b.PricingUnit), cmp.Compare(a.Description, b.Description))
	})
	return out
}

// IsBedrock says whether a line item is Bedrock usage: the AmazonBedrock service (first-party
// models) or a Bedrock edition of a Marketplace model (product names "… (Amazon Bedrock
// Edition)"), which is how Anthropic and other third-party models are billed.
func IsBedrock(productCode string, product map[string]string) bool {
	if strings.HasPrefix(productCode, "AmazonBedrock") {
		return true
	}
	for _, k := range []string{"product_name", "servicename"} {
		if strings.Contains(strings.ToLower(product[k]), "amazon bedrock") {
			return true
		}
	}
	return false
}

// RequiredColumns are the columns a file of the export must have; the others read as empty
// when a file lacks them (an export without IAM principal data has no principals).
var RequiredColumns = []string{"line_item_line_item_type", "line_item_usage_start_date", "line_item_product_code", "line_item_usage_type",
	"line_item_usage_amount", "line_item_unblended_cost"}

// ErrNotParquet is returned for a file that is not Parquet.
var ErrNotParquet = errors.New("not a Parquet file")

// ReadParquet reads the line items of one Parquet file of the export, calling fn for each,
// in batches (the file is never held in memory as rows).
func ReadParquet(r io.ReaderAt, size int64, fn func(*LineItem)) (err error) {
	// A corrupt file must not take the run down with it: the decoder's panics on malformed
	// pages become this file's error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt Parquet data: %v", p)
		}
	}()
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotParquet, err)
	}
	// A column the file lacks would read as empty in every row: a bill without its line item
	// types or costs must be refused, not compared as zero.
	var lacks []string
	for _, c := range RequiredColumns {
		if _, ok := f.Schema().Lookup(c); !ok {
			lacks = append(lacks, c)
		}
	}
	if len(lacks) > 0 {
		return fmt.Errorf("not a CUR 2.0 export file: no column %s", strings.Join(lacks, ", "))
	}
	rd := parquet.NewGenericReader[LineItem](f)
	defer rd.Close()
	batch := make([]LineItem, 512)
	for {
		clear(batch)
		n, err := rd.Read(batch)
		for i := range batch[:n] {
			fn(&batch[i])
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading Parquet rows: %w", err)
		}
	}
}
