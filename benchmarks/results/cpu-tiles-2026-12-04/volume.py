import time, numpy as np, torch, napari_sdap
torch.set_num_threads(2)
m = napari_sdap.train(np.random.default_rng(1).poisson(30, (8, 256, 256)).astype(np.float32), "ZYX", device="cpu", dims=3, steps=10, student_steps=10)
print(m, m.resolve_mode("auto"))
vol = np.random.default_rng(0).poisson(30, (6, 1024, 1024)).astype(np.float32)
m.denoise(vol[:3, :128, :128], "ZYX", device="cpu", mode="bsn")
for r in range(2):
    for tile in [256, 512]:
        t = time.perf_counter(); m.denoise(vol, "ZYX", tile=tile, device="cpu", mode="bsn"); dt = time.perf_counter() - t
        print(tile, f"{vol.size/dt/1e6:.3f} MVox/s", flush=True)
