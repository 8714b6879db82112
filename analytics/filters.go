package analytics

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// Filters are the filters a report was made with, and the values among them that matched no
// call: a report says what it covers, and a typo in a filter (--app ChatbotApp for the role
// ChatbotApp-BedrockRole) must not pass for "no spend".
type Filters struct {
	Regions, Apps, Users, Models []string
	// Unmatched are the filter values no call in the range matched (with the other filters).
	Unmatched []UnmatchedFilter
}

// UnmatchedFilter is a filter value that matched nothing, with the nearest values the logs
// do have.
type UnmatchedFilter struct {
	Filter     string // region, app, user or model
	Value      string
	DidYouMean []string
}

// Any reports whether any filter is set.
func (f Filters) Any() bool {
	return len(f.Regions)+len(f.Apps)+len(f.Users)+len(f.Models) > 0
}

// Describe is the filters in words for a report's header ("app ChatbotApp-BedrockRole;
// region us-east-1, eu-west-1"), "" when there are none.
func (f Filters) Describe() string {
	var parts []string
	for _, l := range f.lists() {
		if len(l.vals) > 0 {
			parts = append(parts, l.name+" "+strings.Join(l.vals, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

type filterList struct {
	name string
	vals []string
}

func (f Filters) lists() []filterList {
	return []filterList{{"region", f.Regions}, {"app", f.Apps}, {"user", f.Users}, {"model", f.Models}}
}

// FilterCandidates are values of the filtered dimensions that the logs hold, collected from
// the records a filter rejected (the matched ones are in the rows): what a "did you mean"
// suggests from. An engine that cannot collect them leaves them empty.
type FilterCandidates struct {
	Regions, Apps, Users, Models []string
}

// maxCandidates bounds the values kept per dimension.
const maxCandidates = 2000

// candidateSet collects FilterCandidates, bounded.
type candidateSet struct {
	sets [4]map[string]struct{}
}

func (c *candidateSet) add(i int, v string) {
	if v == "" {
		return
	}
	if c.sets[i] == nil {
		c.sets[i] = map[string]struct{}{}
	}
	if _, ok := c.sets[i][v]; !ok && len(c.sets[i]) < maxCandidates {
		c.sets[i][strings.Clone(v)] = struct{}{}
	}
}

func (c *candidateSet) addKey(k Key) {
	c.add(0, k.Region)
	c.add(1, k.App)
	c.add(2, k.User)
	c.add(3, k.Model)
}

func (c *candidateSet) merge(o *candidateSet) {
	for i, s := range o.sets {
		for v := range s {
			c.add(i, v)
		}
	}
}

func (c *candidateSet) result() FilterCandidates {
	list := func(i int) []string {
		out := make([]string, 0, len(c.sets[i]))
		for v := range c.sets[i] {
			out = append(out, v)
		}
		slices.Sort(out)
		return out
	}
	return FilterCandidates{Regions: list(0), Apps: list(1), Users: list(2), Models: list(3)}
}

// unmatchedFilters lists the filter values of q that no row matched, each with the nearest
// values among the rows' and the candidates'. One pass over the rows collects each
// dimension's distinct values; a model matches as ModelMatches does, by its logged id, its
// base id or its resolved model.
func unmatchedFilters(q Query, seen *filterSeen, cands FilterCandidates) []UnmatchedFilter {
	var out []UnmatchedFilter
	for i, f := range []struct {
		name        string
		vals, cands []string
	}{{"region", q.Regions, cands.Regions}, {"app", q.Apps, cands.Apps}, {"user", q.Users, cands.Users}, {"model", q.Models, cands.Models}} {
		delete(seen.sets[i], "")
		for _, v := range f.vals {
			if seen.sets[i][v] {
				continue
			}
			pool := maps.Clone(seen.sets[i])
			for _, c := range f.cands {
				pool[c] = true
			}
			out = append(out, UnmatchedFilter{Filter: f.name, Value: v, DidYouMean: nearest(v, pool)})
		}
	}
	return out
}

// filterSeen collects the values of the filtered dimensions among a report's rows, row by
// row: what a filter value that matched nothing is compared with.
type filterSeen struct {
	sets  [4]map[string]bool // region, app, user, model
	bases map[string]bool    // logged model ids already expanded
}

func newFilterSeen() *filterSeen {
	return &filterSeen{sets: [4]map[string]bool{{}, {}, {}, {}}, bases: map[string]bool{}}
}

func (s *filterSeen) add(r *PricedRow) {
	s.sets[0][r.Region], s.sets[1][r.App], s.sets[2][r.User] = true, true, true
	if !s.bases[r.Key.Model] {
		s.bases[r.Key.Model] = true
		s.sets[3][r.Key.Model], s.sets[3][BaseModelID(r.Key.Model)] = true, true
	}
	s.sets[3][r.Model] = true
}

// maxSuggestions is how many values a "did you mean" offers.
const maxSuggestions = 3

// nearest are up to maxSuggestions values of pool close to v: those that contain it or are
// contained in it (ignoring case) first, shortest first, then those within an edit distance
// of a third of its length (at least 2), closest first.
func nearest(v string, pool map[string]bool) []string {
	lv := strings.ToLower(v)
	type scored struct {
		s    string
		rank int
	}
	var found []scored
	limit := max(2, len(v)/3)
	for p := range pool {
		lp := strings.ToLower(p)
		switch {
		case lp == lv:
			found = append(found, scored{p, 0}) // differs in case only
		case strings.Contains(lp, lv) || (strings.Contains(lv, lp) && len(lp) >= 3):
			found = append(found, scored{p, 1 + abs(len(p)-len(v))})
		default:
			if d := editDistance(lv, lp, limit); d <= limit {
				found = append(found, scored{p, 1000 + d})
			}
		}
	}
	slices.SortFunc(found, func(a, b scored) int { return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.s, b.s)) })
	var out []string
	for _, f := range found[:min(len(found), maxSuggestions)] {
		out = append(out, f.s)
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance is the Levenshtein distance of a and b (bytes), or limit+1 once it must be
// over limit.
func editDistance(a, b string, limit int) int {
	if abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
