package main

// The engines the CLI offers. Each registers itself (package engine); this is the only file
// of the CLI that names one. A new engine is a new package and one line here.
import (
	_ "github.com/bedrock-usage/bedrock-usage/analytics/athena"
	_ "github.com/bedrock-usage/bedrock-usage/analytics/local"
)
