// Reads {condition, mapping, cases} (JSON, stdin) and prints, per case, the condition and every mapped attribute.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/google/cel-go/cel"
)

type input struct {
	Condition string                       `json:"condition"`
	Mapping   map[string]string            `json:"mapping"`
	Cases     map[string]map[string]string `json:"cases"`
}

func eval(env *cel.Env, expr string, claims map[string]any) (any, error) {
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, iss.Err()
	}
	prg, err := env.Program(ast)
	if err != nil {
		return nil, err
	}
	out, _, err := prg.Eval(map[string]any{"assertion": claims})
	if err != nil {
		return nil, err
	}
	return out.Value(), nil
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	env, err := cel.NewEnv(cel.Variable("assertion", cel.MapType(cel.StringType, cel.DynType)))
	if err != nil {
		panic(err)
	}
	names := make([]string, 0, len(in.Cases))
	for n := range in.Cases {
		names = append(names, n)
	}
	sort.Strings(names)
	attrs := make([]string, 0, len(in.Mapping))
	for a := range in.Mapping {
		attrs = append(attrs, a)
	}
	sort.Strings(attrs)
	result := map[string]map[string]any{}
	for _, n := range names {
		claims := map[string]any{}
		for k, v := range in.Cases[n] {
			claims[k] = v
		}
		r := map[string]any{}
		c, err := eval(env, in.Condition, claims)
		if err != nil {
			r["condition"] = "error: " + err.Error()
		} else {
			r["condition"] = c
		}
		for _, a := range attrs {
			v, err := eval(env, in.Mapping[a], claims)
			if err != nil {
				r[a] = "error: " + err.Error()
			} else {
				r[a] = v
			}
		}
		result[n] = r
	}
	b, _ := json.MarshalIndent(result, "", "  ")
	fmt.Println(string(b))
}
