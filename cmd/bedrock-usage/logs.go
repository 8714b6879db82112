package main

import "github.com/spf13/cobra"

// newLogsCmd is replaced by the log generator work.
func newLogsCmd(f *factory) *cobra.Command {
	return &cobra.Command{Use: "logs", Short: "Work with invocation log files"}
}
