// Multi-call Kubernetes binary (hyperkube style).
//
// Linking a Kubernetes component is the most expensive step of the build
// (each one is ~100 MB and pulls in most of the tree). Linking one binary that
// dispatches to every component's cobra command costs one link instead of six.
// The component is chosen by argv[0] (symlink name) or, failing that, by the
// first argument: `kube kubelet --config ...` == `kubelet --config ...`.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	_ "time/tzdata" // CronJob time zone support, as the upstream mains do

	"github.com/spf13/cobra"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

var components = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	"kube-proxy":              proxy.NewProxyCommand,
	"kubelet":                 func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) },
}

func runKubectl(args []string) {
	os.Args = args
	logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) // nolint:errcheck
	command := kubectlcmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		kubectlutil.CheckErr(err)
	}
	os.Exit(0)
}

func dispatch(name string, args []string) bool {
	if name == "kubectl" {
		runKubectl(args)
		return true
	}
	mk, ok := components[name]
	if !ok {
		return false
	}
	os.Args = args
	os.Exit(cli.Run(mk()))
	return true
}

func main() {
	if dispatch(filepath.Base(os.Args[0]), os.Args) {
		return
	}
	if len(os.Args) > 1 {
		// `kube kubelet --flag` -> argv = ["kubelet", "--flag"]
		if dispatch(os.Args[1], os.Args[1:]) {
			return
		}
	}
	fmt.Fprintf(os.Stderr, "usage: %s COMPONENT [flags]\ncomponents: kubectl", filepath.Base(os.Args[0]))
	for name := range components {
		fmt.Fprintf(os.Stderr, " %s", name)
	}
	fmt.Fprintln(os.Stderr)
	os.Exit(2)
}
