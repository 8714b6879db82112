package analytics

import (
	"testing"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
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
