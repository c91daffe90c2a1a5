#!/usr/bin/env bash
# The suite runs against gracepack as its Debian package installed it: the cluster loads the
# packaged plugin, the files are where the package says, the man page renders.
source "$(dirname "$0")/lib.sh"
dpkg-query -W -f='${Status}' gracepack 2>/dev/null | grep -q "install ok installed" || die "the gracepack package is not installed"
owner=$(dpkg -S "$GP_PLUGIN" 2>/dev/null | cut -d: -f1)
[ "$owner" = gracepack ] || die "the plugin the cluster loads ($GP_PLUGIN) is not the packaged one ($owner)"
files=$(dpkg -L gracepack)
for f in /etc/slurm/plugstack.conf.d/gracepack.conf /usr/libexec/gracepack/gracepack-watcher \
         /usr/bin/gracepack-plan /usr/share/man/man8/gracepack.8.gz /usr/share/doc/gracepack/user-guide.md; do
  grep -qx "$f" <<<"$files" || die "the package lacks $f"
  [ -e "$f" ] || die "$f is not installed"
done
grep -q "^required $GP_PLUGIN$" /etc/slurm/plugstack.conf.d/gracepack.conf || die "the drop-in does not load the plugin"
depends=$(dpkg-query -W -f='${Depends}' gracepack)
mm=$(slurm_release | cut -d. -f1,2)
grep -qF "slurm-wlm-basic-plugins (>= $mm)" <<<"$depends" || die "the package does not depend on its Slurm release ($mm): $depends"
# Spaces squeezed: trixie's groff justifies the NAME line ("preemption  notice and requeue").
MANWIDTH=80 man gracepack 2>/dev/null | tr -s ' ' | grep "preemption notice and requeue" >/dev/null || die "man gracepack does not render"
/usr/bin/gracepack-plan --gpus 2 --tasks 4 --pack 2 --ncpus 8 | grep "^3 " >/dev/null || die "gracepack-plan does not print a plan"
pass "package $(dpkg-query -W -f='${Version}' gracepack) installed; the cluster loads its plugin; man page and tools in place"
