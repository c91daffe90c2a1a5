# What one packed task sees on the GPU: free memory, SMs, and whether 45 GiB can be allocated.
import torch
free, total = torch.cuda.mem_get_info()
p = torch.cuda.get_device_properties(0)
try:
    x = torch.empty(45 * 2**30, dtype=torch.uint8, device="cuda")
    big = "allocated"
    del x
except RuntimeError:
    big = "refused"
print(f"free={free >> 20}MiB total={total >> 20}MiB sms={p.multi_processor_count} alloc45GiB={big}")
# A reading no GPU gives fails the run (mps_check then exits 1).
assert 0 < free <= total, "free memory out of range"
assert p.multi_processor_count > 0, "no SMs"
