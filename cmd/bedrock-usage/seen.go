package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/internal/atomicfile"
)

// The seen cache keeps the regions, applications, users and models of the last reports, so
// that the shell completes --region, --app, --user and --model with values the logs hold.
// It is a convenience: failing to read or write it never fails a command.

// seenCacheEnv overrides where the seen cache lives.
const seenCacheEnv = "BEDROCK_USAGE_SEEN_CACHE"

// maxSeen bounds each list of the cache.
const maxSeen = 500

// seenValues are the values a report saw, by flag.
type seenValues struct {
	Regions []string `json:"regions"`
	Apps    []string `json:"apps"`
	Users   []string `json:"users"`
	Models  []string `json:"models"`
}

func seenPath(env func(string) string) string {
	if p := env(seenCacheEnv); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "bedrock-usage", "seen.json")
}

func readSeen(path string) seenValues {
	var s seenValues
	if path == "" {
		return s
	}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &s)
	}
	return s
}

// rememberSeen adds a report's values to the cache (the report's first, then the cached
// ones, bounded).
func rememberSeen(path string, rep *analytics.Report) {
	if path == "" {
		return
	}
	old := readSeen(path)
	var sets [4]seenSet
	// The views hold every value: by region, by application and user, by model.
	for _, v := range []struct {
		view string
		sets []*seenSet
	}{{"by_region", []*seenSet{&sets[0]}}, {"by_app_user", []*seenSet{&sets[1], &sets[2]}}, {"by_model", []*seenSet{&sets[3]}}} {
		if vr := rep.View(v.view); vr != nil {
			for _, l := range vr.Lines {
				for i, set := range v.sets {
					set.add(l.Keys[i])
				}
			}
		}
	}
	for i, prev := range [][]string{old.Regions, old.Apps, old.Users, old.Models} {
		for _, v := range prev {
			sets[i].add(v)
		}
	}
	s := seenValues{Regions: sets[0].list, Apps: sets[1].list, Users: sets[2].list, Models: sets[3].list}
	b, err := json.Marshal(s)
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		_ = atomicfile.Write(path, b)
	}
}

// seenSet is an ordered set of at most maxSeen values.
type seenSet struct {
	list []string
	has  map[string]bool
}

func (s *seenSet) add(v string) {
	if v == "" || s.has[v] || len(s.list) >= maxSeen {
		return
	}
	if s.has == nil {
		s.has = map[string]bool{}
	}
	s.has[v] = true
	s.list = append(s.list, v)
}
