// Command bedrock-usage reports who spends what on Amazon Bedrock, from the logs Bedrock
// Model Invocation Logging writes: per user, application, model, region, hour and day.
package main

import (
	"os"
	_ "time/tzdata" // --timezone works where the system has no zone database (containers)
)

func main() {
	os.Exit(run(os.Args[1:], newFactory()))
}
