//go:build ignore

// Reads each YAML file named on the command line the way Helm reads a values file (chartutil.ReadValues) and
// prints {"file": {"values": <json>} | {"error": "..."}} as JSON.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"helm.sh/helm/v3/pkg/chartutil"
)

func main() {
	out := map[string]interface{}{}
	for _, f := range os.Args[1:] {
		data, err := os.ReadFile(f)
		if err != nil {
			out[f] = map[string]string{"error": err.Error()}
			continue
		}
		vals, err := chartutil.ReadValues(data)
		if err != nil {
			out[f] = map[string]string{"error": err.Error()}
			continue
		}
		out[f] = map[string]interface{}{"values": map[string]interface{}(vals)}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(b))
}
