// Command floor is the fastest possible Secret-rotation restarter, the bench's lower bound: it watches
// one Secret by name and, when its data changes, patches a Deployment's pod-template annotation with the
// sha256 of that data. No validation, no rendering, no status, no events. client-go, protobuf on the wire.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func digest(s *corev1.Secret) string {
	keys := make([]string, 0, len(s.Data))
	for k := range s.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%x;", k, s.Data[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig path")
	namespace := flag.String("namespace", "default", "namespace of the Secret and the Deployment")
	secret := flag.String("secret", "", "Secret to watch")
	deployment := flag.String("deployment", "", "Deployment to restart")
	annotation := flag.String("annotation", "bench.cognito-sso.dev/secret-hash", "pod-template annotation to set")
	flag.Parse()
	if *secret == "" || *deployment == "" {
		fmt.Fprintln(os.Stderr, "floor: -secret and -deployment are required")
		os.Exit(2)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	cfg.QPS, cfg.Burst = 1000, 1000
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	secrets := client.CoreV1().Secrets(*namespace)
	deployments := client.AppsV1().Deployments(*namespace)
	selector := fields.OneTermEqualSelector("metadata.name", *secret).String()
	last := ""
	ready := false
	for ctx.Err() == nil {
		list, err := secrets.List(ctx, metav1.ListOptions{FieldSelector: selector})
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor: list:", err)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if len(list.Items) == 1 {
			last = digest(&list.Items[0])
		}
		if !ready {
			fmt.Println("ready") // the bench waits for this line before it rotates anything
			ready = true
		}
		w, err := secrets.Watch(ctx, metav1.ListOptions{FieldSelector: selector, ResourceVersion: list.ResourceVersion})
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor: watch:", err)
			continue
		}
		for ev := range w.ResultChan() {
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			s, ok := ev.Object.(*corev1.Secret)
			if !ok {
				continue
			}
			d := digest(s)
			if d == last {
				continue
			}
			last = d
			patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
				"metadata": map[string]any{"annotations": map[string]string{*annotation: d}}}}})
			if _, err := deployments.Patch(ctx, *deployment, types.StrategicMergePatchType, patch,
				metav1.PatchOptions{FieldManager: "bench-floor"}); err != nil {
				fmt.Fprintln(os.Stderr, "floor: patch:", err)
				last = "" // try again on the next event
			}
		}
		w.Stop()
	}
}
