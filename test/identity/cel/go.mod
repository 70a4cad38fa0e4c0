// Evaluates the workload identity attribute condition and mapping (bootstrap/identity-rules.ts) with cel-go, the
// reference implementation of CEL, the language Google STS evaluates them in (test/identity/conditions.cel.ts).
module data-infra/test/identity/cel

go 1.22

require github.com/google/cel-go v0.22.1

require (
	cel.dev/expr v0.18.0 // indirect
	github.com/antlr4-go/antlr/v4 v4.13.0 // indirect
	github.com/stoewer/go-strcase v1.2.0 // indirect
	golang.org/x/exp v0.0.0-20230515195305-f3d0a9c9a5cc // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20240826202546-f6391c0de4c7 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20240826202546-f6391c0de4c7 // indirect
	google.golang.org/protobuf v1.34.2 // indirect
)
