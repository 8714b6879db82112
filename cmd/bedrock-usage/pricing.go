package main

import "github.com/spf13/cobra"

// newPricingCmd is replaced by the pricing work.
func newPricingCmd(f *factory) *cobra.Command {
	return &cobra.Command{Use: "pricing", Short: "Inspect and refresh the price book"}
}
