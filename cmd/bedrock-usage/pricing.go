package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing/profiles"
)

// NewCmdPricing is the `pricing` parent command.
func NewCmdPricing(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pricing",
		Short: "Inspect and refresh the price book",
		Long: heredoc.Doc(`
			Inspect the price book that bedrock-usage prices usage with, see how one model id
			is priced, and build a price file from the AWS Price List.

			The book is embedded in the binary: USD per million tokens for input, output,
			cache write (5-minute), cache write (1-hour) and cache read, per base model id,
			inference scope (in-region, geo, global), region where prices differ (GovCloud)
			and effective dates. A price file of your own (--prices, same format) is layered
			over it. Models the book does not know are unpriced, never guessed.

			Cache writes are priced at the 1-hour or 5-minute rate by the TTL the logged
			response bodies state; writes whose TTL no body states are priced at the
			5-minute rate, and reports say what they would cost at the 1-hour rate.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage pricing list
			$ bedrock-usage pricing explain us.anthropic.claude-sonnet-4-5-20250929-v1:0
			$ bedrock-usage pricing refresh --out prices.json
		`),
	}
	cmd.AddCommand(NewCmdPricingList(f, pricingListRun), NewCmdPricingExplain(f, pricingExplainRun), NewCmdPricingRefresh(f, pricingRefreshRun), NewCmdPricingStatus(f, pricingStatusRun))
	return cmd
}

// ---- shared ----

// parseAt reads --at: a date (its start, 00:00 UTC) or an RFC 3339
// time; empty means now.
func parseAt(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usageErr("--at %q: give a date (2025-12-01) or an RFC 3339 time", s)
}

// refreshedPath is where `pricing refresh` saves its result and reports look for it.
func refreshedPath(f *factory) (string, error) {
	if p := f.Env(pricing.RefreshedPathEnv); p != "" {
		return p, nil
	}
	return pricing.DefaultRefreshedPath()
}

// refreshedOption layers the refreshed price file unless noRefreshed.
func refreshedOption(f *factory, noRefreshed bool) ([]pricing.Option, error) {
	if noRefreshed {
		return nil, nil
	}
	p, err := refreshedPath(f)
	if err != nil {
		return nil, err
	}
	return []pricing.Option{pricing.WithRefreshedFile(p)}, nil
}

// warnPrices says on stderr which price files were left out.
func warnPrices(f *factory, b *pricing.Book) {
	for _, w := range b.Warnings() {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", w)
	}
}

// loadPricingBook loads the book with the flags of the pricing commands.
func loadPricingBook(ctx context.Context, f *factory, noRefreshed bool, prices, profileMap string, resolver pricing.ProfileResolver) (*pricing.Book, error) {
	opts, err := refreshedOption(f, noRefreshed)
	if err != nil {
		return nil, err
	}
	if prices != "" {
		opts = append(opts, pricing.WithOverrideFile(prices))
	}
	if profileMap != "" {
		opts = append(opts, pricing.WithProfileMapFile(profileMap))
	}
	if resolver != nil {
		opts = append(opts, pricing.WithProfileResolver(resolver))
	}
	b, err := pricing.Load(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading prices: %w", err)
	}
	warnPrices(f, b)
	return b, nil
}

// newProfileResolver resolves application inference profiles with bedrock
// GetInferenceProfile in each profile's region, through the factory's AWS configuration,
// cached in cachePath ("" for the user cache directory). The report command can use it too.
func newProfileResolver(f *factory, offline bool) (*profiles.ProfileCache, error) {
	cachePath := f.Env("BEDROCK_USAGE_PROFILE_CACHE")
	if offline {
		// The cache file still answers; nothing new is looked up.
		return profiles.NewProfileCache(func(context.Context, string) (profiles.InferenceProfileGetter, error) {
			return nil, errors.New("not looked up (--offline); give --profile-map")
		}, cachePath)
	}
	// Without credentials every profile lookup would fail the same way, each after the
	// credential chain's own waits: look for credentials once and give up for the run.
	var once sync.Once
	var credErr error
	return profiles.NewProfileCache(func(ctx context.Context, region string) (profiles.InferenceProfileGetter, error) {
		cfg, err := f.AWSConfig(ctx, region)
		if err != nil {
			return nil, fmt.Errorf("loading AWS configuration: %w", err)
		}
		once.Do(func() {
			if cfg.Credentials == nil {
				credErr = errors.New("no credential provider")
				return
			}
			_, credErr = cfg.Credentials.Retrieve(ctx)
		})
		if credErr != nil {
			return nil, fmt.Errorf("no AWS credentials to resolve application inference profiles (give --profile-map, or --offline): %w", credErr)
		}
		return bedrock.NewFromConfig(cfg), nil
	}, cachePath)
}

func rateString(d *decimal.Decimal) string {
	if d == nil {
		return "-"
	}
	return d.String()
}

// rateJSON is a rate as a JSON decimal string, or null.
type rateJSON struct{ d *decimal.Decimal }

func (r rateJSON) MarshalJSON() ([]byte, error) {
	if r.d == nil {
		return []byte("null"), nil
	}
	return json.Marshal(r.d.String())
}

type ratesJSON struct {
	Input        rateJSON `json:"input_per_mtok"`
	Output       rateJSON `json:"output_per_mtok"`
	CacheWrite   rateJSON `json:"cache_write_per_mtok"`
	CacheWrite1h rateJSON `json:"cache_write_1h_per_mtok"`
	CacheRead    rateJSON `json:"cache_read_per_mtok"`
}

func toRatesJSON(r *pricing.Rates) *ratesJSON {
	if r == nil {
		return nil
	}
	return &ratesJSON{rateJSON{r.Input}, rateJSON{r.Output}, rateJSON{r.CacheWrite}, rateJSON{r.CacheWrite1h}, rateJSON{r.CacheRead}}
}
