package main

import "github.com/spf13/cobra"

func newReportCmd(f *factory) *cobra.Command {
	return &cobra.Command{Use: "report", Short: "Report usage and cost"}
}
