// Package scalebench is `make bench`: it measures the local engine against the baselines
// a user would compare it with, in one run on the same files, because these machines are
// shared and noisy and only ratios measured side by side mean anything. It generates its
// own corpora (realistic bodies; one role session per call), builds the CLI as `go install`
// would (and with -tags libdeflate when the library is installed), and runs each contender
// as its own process so that CPU time and peak RSS come from the kernel's accounting:
// the CLI's `report`, DuckDB's read_json GROUP BY, a parallel Go gunzip, and two-stream
// libdeflate-gunzip. Its tests are the benchmark; there is no library code here.
package scalebench
