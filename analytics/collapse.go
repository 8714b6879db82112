package analytics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bedrock-usage/bedrock-usage/analytics/sessions"
)

// SessionFold is what CollapseSessions did to a report.
type SessionFold struct {
	// Patterns are the patterns it folded by, in the order they were tried.
	Patterns []sessions.Pattern
	// Sessions is how many application × user lines were folded: the role sessions (a
	// session name under one role) with generated names.
	Sessions int64
	// Lines is how many lines of the application × user view they were folded into.
	Lines int
}

// CollapseSessions returns the report with generated role session names folded into one
// user per pattern, in every view grouped by user (by application and user, cost per day by user, and a --group-by
// view with user): the sessions of one application whose names match "botocore-session-*"
// become one line with that user, whose Sessions says how many it stands for. The totals,
// the other views and the report itself are unchanged; the folded views are sorted again, in
// the report's order (SortedBy).
//
// Folding is for people reading a report: the full per-session views stay in the report it
// was made from (JSON and CSV keep them unless asked). A report that is already folded is
// returned as it is.
func CollapseSessions(rep *Report, f *sessions.Folder) (*Report, error) {
	if rep.Collapsed != nil || f == nil {
		return rep, nil
	}
	out := *rep
	out.Views = slices.Clone(rep.Views)
	fold := &SessionFold{Patterns: f.Patterns()}
	names := map[string]bool{}
	for _, p := range fold.Patterns {
		names[p.Name] = true
	}
	for i, v := range rep.Views {
		var users []int
		for j, d := range v.Dims {
			if d.Name == "user" {
				users = append(users, j)
			}
		}
		if len(users) == 0 {
			continue
		}
		lines, folded, err := collapseLines(v, users, f, names)
		if err != nil {
			return nil, err
		}
		if v.Name == "by_app_user" {
			fold.Sessions = folded
			for _, l := range lines {
				if l.Sessions > 0 {
					fold.Lines++
				}
			}
		}
		sortLines(lines, v.ByTime)
		if rep.SortedBy != "" && !v.ByTime {
			sortLinesBy(lines, rep.SortedBy)
		}
		out.Views[i] = ViewResult{View: v.View, Lines: lines}
	}
	out.Collapsed = fold
	return &out, nil
}

// collapseLines folds one view's lines; users are the positions of its user keys. A view's
// lines are unique by their keys, so the lines folded into one (whose other keys are all
// the same) have distinct session names: each counts one session.
func collapseLines(v ViewResult, users []int, f *sessions.Folder, names map[string]bool) ([]Line, int64, error) {
	lines := make([]Line, 0, len(v.Lines))
	idx := map[string]int{}
	var folded int64
	for _, l := range v.Lines {
		keys := l.Keys
		matched := false
		for _, j := range users {
			name, ok := f.Fold(keys[j])
			if !ok {
				continue
			}
			if !matched {
				keys = slices.Clone(keys)
				matched = true
			}
			keys[j] = name
		}
		// A line that folds nothing stays as it is, unless its user is named like a fold
		// (possible with a configured pattern name): then the two must meet in one line.
		if !matched && !slices.ContainsFunc(users, func(j int) bool { return names[keys[j]] }) {
			lines = append(lines, l)
			continue
		}
		id := strings.Join(keys, "\x00")
		n, ok := idx[id]
		if !ok {
			n = len(lines)
			idx[id] = n
			lines = append(lines, Line{Keys: keys})
		}
		if matched {
			lines[n].Sessions += max(l.Sessions, 1)
			folded += max(l.Sessions, 1)
		} else {
			lines[n].Sessions += l.Sessions
		}
		lines[n].add(l.Totals)
		if l.Baseline != nil { // a compared report: the folded line's baseline is theirs summed
			if lines[n].Baseline == nil {
				lines[n].Baseline = &Totals{}
			}
			lines[n].Baseline.add(*l.Baseline)
		}
		if lines[n].overflow {
			return nil, 0, fmt.Errorf("view %s, line %s: %w", v.Name, strings.Join(keys, " / "), ErrOverflow)
		}
	}
	return lines, folded, nil
}
