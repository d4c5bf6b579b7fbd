package runtime

import (
	"encoding/json"
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/proto"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models/snn"
)

// Sampler draws samples of y | x from an exported stochastic neural
// network (export/snn.Write), the noise drawn inside the graph.
type Sampler struct {
	Path    string
	SNN     *snn.Model
	session *ort.DynamicAdvancedSession
}

// LoadSampler opens an exported snn (NAME.onnx), verified first as Load
// verifies a set (export.ReadSet: NAME.noise.onnx, if present, must carry
// the same kenn.model_id). The seeds of its
// RandomNormalLike nodes are rewritten from seed (layer l: seed·1000 + l)
// before the session is created, so that one file serves any seed;
// onnxruntime's generator then advances from run to run.
func (r *Runtime) LoadSampler(path string, seed uint64) (*Sampler, error) {
	set, err := export.ReadSet(path)
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	mp := set.Main.Model
	sm := &Sampler{Path: path}
	for _, kv := range mp.MetadataProps {
		if kv.Key == "kenn.snn" {
			sm.SNN = &snn.Model{}
			if err := json.Unmarshal([]byte(kv.Value), sm.SNN); err != nil {
				return nil, fmt.Errorf("%s: bad kenn.snn metadata: %w", path, err)
			}
		}
	}
	if sm.SNN == nil {
		return nil, fmt.Errorf("%s: not a kenn snn export (no kenn.snn metadata)", path)
	}
	l := uint64(0)
	for _, n := range mp.GetGraph().GetNode() {
		if n.OpType != "RandomNormalLike" {
			continue
		}
		for _, a := range n.Attribute {
			if a.Name == "seed" {
				a.F = float32(seed*1000 + l)
			}
		}
		l++
	}
	raw, err := proto.Marshal(mp)
	if err != nil {
		return nil, err
	}
	so, err := r.sessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if sm.session, err = ort.NewDynamicAdvancedSessionWithONNXData(raw, []string{"x"}, []string{"y"}, so); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.mu.Lock()
	r.samplers = append(r.samplers, sm)
	r.mu.Unlock()
	return sm, nil
}

// Sample draws n samples for each row of x (data units, the model's input
// columns in order); out[i][s] is sample s of row i, the model's output
// columns in order (continuous values, categorical codes).
func (sm *Sampler) Sample(x [][]float64, n int) ([][][]float64, error) {
	in, out := len(sm.SNN.Inputs), len(sm.SNN.Outputs)
	res := make([][][]float64, len(x))
	for i, row := range x {
		if len(row) != in {
			return nil, fmt.Errorf("row %d has %d inputs, the model takes %d (%v)", i, len(row), in, sm.SNN.Inputs)
		}
		res[i] = make([][]float64, n)
	}
	const batch = 8192
	total := len(x) * n
	for start := 0; start < total; start += batch {
		b := min(batch, total-start)
		xs := make([]float32, b*in)
		for r := 0; r < b; r++ {
			for k, v := range x[(start+r)/n] {
				xs[r*in+k] = float32(v)
			}
		}
		ys := make([]float32, b*out)
		ti, err := ort.NewTensor(ort.NewShape(int64(b), int64(in)), xs)
		if err != nil {
			return nil, err
		}
		to, err := ort.NewTensor(ort.NewShape(int64(b), int64(out)), ys)
		if err != nil {
			ti.Destroy()
			return nil, err
		}
		err = sm.session.Run([]ort.Value{ti}, []ort.Value{to})
		ti.Destroy()
		to.Destroy()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sm.Path, err)
		}
		for r := 0; r < b; r++ {
			k := start + r
			y := make([]float64, out)
			for c := range y {
				y[c] = float64(ys[r*out+c])
			}
			res[k/n][k%n] = y
		}
	}
	return res, nil
}
