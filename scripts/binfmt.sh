# shellcheck shell=bash
# Sourced (not run) by the scripts that start programs of another architecture: binfmt_misc hands
# them to qemu-user-static, so that programs a test starts as children (the daemon tests' dlms2mqtt,
# a chroot's apt) run emulated too. QEMU_CPU in the environment chooses the emulated core.
#   binfmt_enable ENTRY    as root: mount binfmt_misc if needed and enable ENTRY (qemu-arm,
#                          qemu-aarch64); true when programs of that architecture now start
#   binfmt_release         unmount what binfmt_enable mounted (for the caller's EXIT trap)
binfmt_mounted=no

binfmt_enable() {
  local entry="$1"
  if [ "$(id -u)" -eq 0 ]; then
    if ! mountpoint -q /proc/sys/fs/binfmt_misc && mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null; then
      binfmt_mounted=yes
    fi
    update-binfmts --enable "$entry" 2>/dev/null || true
  fi
  grep -qs '^enabled' "/proc/sys/fs/binfmt_misc/$entry"
}

binfmt_release() {
  [ "$binfmt_mounted" = no ] || umount /proc/sys/fs/binfmt_misc || true
  binfmt_mounted=no
}
