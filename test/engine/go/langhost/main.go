// Command pulumi-language-nodejs is the engine tier's Node.js language host.
//
// Why ours and not upstream's: upstream's host is its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that is never tagged, so no registry this
// project can reach serves it at any version (see test/engine/README.md). This host implements the part of the
// LanguageRuntime protocol that `pulumi preview|up|import|refresh|destroy` uses, and launches the program exactly as
// upstream's host does, so the SDK's own entry point (@pulumi/pulumi/cmd/run) sees the same arguments and
// environment. Each rule below names the upstream function it follows (pulumi/pulumi v3.259.0,
// sdk/nodejs/cmd/pulumi-language-nodejs/main.go):
//   - main: flags -tracing/-runtime, engine address as first argument, port printed on stdout;
//   - locateModule: `require.resolve('@pulumi/pulumi/cmd/run')` run by node in the program directory;
//   - constructArguments: --monitor --engine --organization --project --root-directory --stack --pwd [--dry-run]
//     --parallel [--tracing] <entry point> <args...>;
//   - constructConfig: keys become `<namespace>:config:<name>` in PULUMI_CONFIG; secret keys in
//     PULUMI_CONFIG_SECRET_KEYS;
//   - parseOptions/execRuntime: typescript defaults to true (PULUMI_NODEJS_TYPESCRIPT=true), tsconfig →
//     PULUMI_NODEJS_TSCONFIG_PATH, nodeargs split like a shell;
//   - execRuntime: exit code 32 means the program already printed an actionable message (Bail).
//
// What it leaves out: the synchronous-invoke pipes (--sync; only the deprecated sync invokes use them), the monitor
// proxy that serves them, bun, debugging, OOM hints, codegen (GenerateProject/Program/Package), Pack, Link,
// InstallDependencies (the tier runs `npm ci` itself) and RunPlugin (the stand-in plugins are executables).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/google/shlex"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set with -ldflags "-X main.version=…" by test/engine/build.sh.
var version = "0.0.0-dev"

// Exit code with which @pulumi/pulumi/cmd/run says it already reported the error to the user.
const bailExitCode = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
}

func main() {
	tracing := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	runtimeName := flag.String("runtime", "nodejs", "only nodejs is supported")
	showVersion := flag.Bool("version", false, "Print the current plugin version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	if *runtimeName != "nodejs" {
		fmt.Fprintf(os.Stderr, "unsupported runtime: %s\n", *runtimeName)
		os.Exit(1)
	}
	h := &host{tracing: *tracing}
	if args := flag.Args(); len(args) > 0 {
		h.engineAddress = args[0]
	}
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host RPC stopped serving: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.EngineAddress
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPackages lists the resource plugins of the program's installed packages: every
// node_modules/<pkg>/package.json (and node_modules/@scope/<pkg>) with `"pulumi": {"resource": true}`, named and
// versioned like upstream's getPackageInfo (name defaults to the package name without `@pulumi/`, version to the
// package's version). Like upstream, a program directory without node_modules/ below it yields none, and the engine
// loads plugins on demand when the program registers a resource.
func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	root := filepath.Join(req.GetInfo().GetProgramDirectory(), "node_modules")
	var dirs []string
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if strings.HasPrefix(e.Name(), "@") {
			scoped, _ := os.ReadDir(filepath.Join(root, e.Name()))
			for _, s := range scoped {
				dirs = append(dirs, filepath.Join(root, e.Name(), s.Name()))
			}
			continue
		}
		dirs = append(dirs, filepath.Join(root, e.Name()))
	}
	sort.Strings(dirs)
	var pkgs []*pulumirpc.PackageDependency
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			continue
		}
		var info struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Pulumi  *struct {
				Resource bool   `json:"resource"`
				Name     string `json:"name"`
				Version  string `json:"version"`
				Server   string `json:"server"`
			} `json:"pulumi"`
		}
		if json.Unmarshal(raw, &info) != nil || info.Pulumi == nil || !info.Pulumi.Resource {
			continue
		}
		name := info.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(info.Name, "@pulumi/")
		}
		v := info.Pulumi.Version
		if v == "" {
			v = info.Version
		}
		pkgs = append(pkgs, &pulumirpc.PackageDependency{
			Kind: "resource", Name: name, Version: "v" + strings.TrimPrefix(v, "v"), Server: info.Pulumi.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	res, err := h.GetRequiredPackages(ctx, &pulumirpc.GetRequiredPackagesRequest{Info: req.GetInfo()})
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(res.Packages))
	for _, p := range res.Packages {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	programDir := req.GetInfo().GetProgramDirectory()
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = "@pulumi/pulumi/cmd/run"
	}
	locate := exec.CommandContext(ctx, node, "-e", fmt.Sprintf(`try { console.log(require.resolve('%s')); }`+
		` catch (error) { if (error.code === 'MODULE_NOT_FOUND') {`+
		` console.error("It looks like the Pulumi SDK has not been installed. Have you run pulumi install?") }`+
		` else { console.error(error.message); } process.exit(1); }`, runPath))
	locate.Dir = programDir
	out, err := locate.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return &pulumirpc.RunResponse{Error: string(ee.Stderr)}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runPath = strings.TrimSpace(string(out))

	args := []string{runPath}
	maybe := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	maybe("monitor", req.GetMonitorAddress())
	maybe("engine", h.engineAddress)
	maybe("organization", req.GetOrganization())
	maybe("project", req.GetProject())
	maybe("root-directory", req.GetInfo().GetRootDirectory())
	maybe("stack", req.GetStack())
	maybe("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	maybe("parallel", strconv.Itoa(int(req.GetParallel())))
	maybe("tracing", h.tracing)
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	cfg := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return &pulumirpc.RunResponse{Error: "failed to serialize configuration: " + err.Error()}, nil
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, _ := json.Marshal(cfg)
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, _ := json.Marshal(secretKeys)
	env := append(os.Environ(), "PULUMI_CONFIG="+string(cfgJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))

	opts := map[string]any{}
	if req.GetInfo().GetOptions() != nil {
		opts = req.GetInfo().GetOptions().AsMap()
	}
	typescript := true
	if ts, ok := opts["typescript"]; ok {
		b, isBool := ts.(bool)
		if !isBool {
			return &pulumirpc.RunResponse{Error: "typescript option must be a boolean"}, nil
		}
		typescript = b
	}
	if typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if p, ok := opts["tsconfig"].(string); ok && p != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+p)
	}
	var nodeArgs []string
	if a, ok := opts["nodeargs"].(string); ok && a != "" {
		if nodeArgs, err = shlex.Split(a); err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
	}

	cmd := exec.CommandContext(ctx, node, append(nodeArgs, args...)...)
	// Copied through pipes, not shared descriptors: Node may switch its stdio to non-blocking (upstream runWithOutput).
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	cmd.Env = env
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", ee.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{
			Error: "Problem executing program (could not run language executor): " + err.Error(),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}
