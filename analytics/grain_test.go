package analytics

import (
	"context"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

// TestMeasuresAddCoversEveryMeasure holds the written-out Measures.Add to MeasureDefs: every
// measure, set to its own value in two Measures, adds up.
func TestMeasuresAddCoversEveryMeasure(t *testing.T) {
	var a, b Measures
	for i := range MeasureDefs {
		d := &MeasureDefs[i]
		d.Set(&a, int64(i+1))
		d.Set(&b, int64(100*(i+1)))
	}
	a.Add(b)
	for i := range MeasureDefs {
		d := &MeasureDefs[i]
		if got, want := d.Get(&a), int64(101*(i+1)); got != want {
			t.Errorf("%s: got %d after Add, want %d", d.Name, got, want)
		}
	}
	// setPlain (what MeasuresOf writes through) sets the field Set and Get name.
	for i := range MeasureDefs {
		if d := &MeasureDefs[i]; d.Guardrail == 0 {
			var viaSet, viaPlain Measures
			d.Set(&viaSet, int64(7*(i+1)))
			viaPlain.setPlain(i, int64(7*(i+1)))
			if viaPlain != viaSet {
				t.Errorf("%s: setPlain gave %+v, Set gave %+v", d.Name, viaPlain, viaSet)
			}
		}
	}
	// Adding measures without guardrail units allocates none.
	var c Measures
	c.Add(Measures{Calls: 1})
	MeasureDefs[len(MeasureDefs)-1].Set(&c, 0)
	if c.Guardrail != nil {
		t.Error("guardrail units allocated for a call without any")
	}
	if got := MeasuresOf(&invocationlog.Record{}); got.Guardrail != nil {
		t.Error("MeasuresOf allocated guardrail units for a record without any")
	}
}

// TestSumsNeverWrap: a sum past int64 is an error naming the group, in the aggregator and in
// the report, never a wrapped number.
func TestSumsNeverWrap(t *testing.T) {
	q := Query{Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	key := Key{Hour: q.Since, Region: "us-east-1", Principal: "ann", Model: "m"}
	tests := []struct {
		name     string
		rows     []Row
		wantErr  bool
		wantRepo bool // the report (totals over groups) overflows, not a group
	}{
		{"fits", []Row{{Key: key, Measures: Measures{Calls: 1, InputTokens: math.MaxInt64 - 1}}, {Key: key, Measures: Measures{Calls: 1, InputTokens: 1}}}, false, false},
		{"one group overflows", []Row{{Key: key, Measures: Measures{Calls: 1, InputTokens: math.MaxInt64}}, {Key: key, Measures: Measures{Calls: 1, InputTokens: 1}}}, true, false},
		{"guardrail units overflow", []Row{{Key: key, Measures: Measures{Calls: 1, Guardrail: &invocationlog.GuardrailUnits{math.MaxInt64}}}, {Key: key, Measures: Measures{Calls: 1, Guardrail: &invocationlog.GuardrailUnits{1}}}}, true, false},
		{"the token total of a group overflows", []Row{{Key: key, Measures: Measures{Calls: 1, InputTokens: math.MaxInt64/2 + 1}}, {Key: key, Measures: Measures{Calls: 1, CacheReadTokens: math.MaxInt64/2 + 1}}}, true, false},
		{"the totals overflow", []Row{{Key: key, Measures: Measures{Calls: 1, OutputTokens: math.MaxInt64}}, {Key: Key{Hour: q.Since, Region: "eu-west-1", Model: "m"}, Measures: Measures{Calls: 1, OutputTokens: 1}}}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAggregator(q)
			for _, r := range tc.rows {
				a.AddRow(r)
			}
			err := a.Err()
			if (err != nil) != tc.wantErr || (err != nil && (!errors.Is(err, ErrOverflow) || !strings.Contains(err.Error(), "ann"))) {
				t.Fatalf("aggregator: got %v, want an overflow error naming the group: %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			_, err = BuildReport(context.Background(), q, &Result{Rows: a.Rows()}, noPricer{}, ReportOptions{})
			if (err != nil) != tc.wantRepo || (err != nil && !errors.Is(err, ErrOverflow)) {
				t.Errorf("report: got %v, want an overflow error: %v", err, tc.wantRepo)
			}
		})
	}
}

// noPricer prices nothing.
type noPricer struct{}

func (noPricer) Cost(_ context.Context, u pricing.Usage) (pricing.Cost, error) {
	return pricing.Cost{}, &pricing.UnpricedError{ModelID: u.ModelID, Region: u.Region, Reason: "test"}
}

// FuzzMeasuresAdd checks the overflow check against math/big: Add reports overflow exactly
// when a measure's sum, or the token total of the result, leaves the int64 range, and
// otherwise adds exactly. Counts are never negative (the decoder rejects them), so the
// fuzzed values are taken as non-negative.
func FuzzMeasuresAdd(f *testing.F) {
	f.Add(int64(1), int64(2), int64(3), int64(4))
	f.Add(int64(math.MaxInt64), int64(1), int64(0), int64(0))
	f.Add(int64(math.MaxInt64/2+1), int64(0), int64(math.MaxInt64/2+1), int64(0))
	f.Add(int64(invocationlog.MaxCount), int64(invocationlog.MaxCount), int64(math.MaxInt64-invocationlog.MaxCount), int64(1))
	f.Add(int64(1<<59), int64(1<<59), int64(1<<59), int64(1<<59))
	f.Fuzz(func(t *testing.T, a, b, c, d int64) {
		a, b, c, d = a&math.MaxInt64, b&math.MaxInt64, c&math.MaxInt64, d&math.MaxInt64
		x := Measures{Calls: 1, InputTokens: a, OutputTokens: c}
		y := Measures{Calls: 1, InputTokens: b, CacheReadTokens: d}
		fits := func(v *big.Int) bool { return v.IsInt64() }
		in := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
		total := new(big.Int).Add(in, big.NewInt(c))
		total.Add(total, big.NewInt(d))
		wantOverflow := !fits(in) || !fits(total)
		got := x
		overflow := got.Add(y)
		if overflow != wantOverflow {
			t.Fatalf("Add(%d+%d, out %d, cache read %d): got overflow %v, want %v", a, b, c, d, overflow, wantOverflow)
		}
		if !wantOverflow {
			if got.InputTokens != in.Int64() || got.Tokens() != total.Int64() || got.Calls != 2 {
				t.Fatalf("got input %d, tokens %d, calls %d; want %s, %s, 2", got.InputTokens, got.Tokens(), got.Calls, in, total)
			}
		}
	})
}
