#include "bridge/config/permissions.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace bridge {

namespace {
std::string user_name(uid_t uid) {
    const passwd* p = getpwuid(uid);
    return p ? p->pw_name : "uid " + std::to_string(uid);
}

std::string group_name(gid_t gid) {
    const group* g = getgrgid(gid);
    return g ? g->gr_name : "gid " + std::to_string(gid);
}

bool process_in_group(gid_t gid) {
    if (getegid() == gid) return true;
    const int n = getgroups(0, nullptr);
    if (n <= 0) return false;
    std::vector<gid_t> groups(static_cast<std::size_t>(n));
    const int got = getgroups(n, groups.data());
    return got > 0 && std::find(groups.begin(), groups.begin() + got, gid) != groups.begin() + got;
}
}  // namespace

ProcessIdentity current_identity() { return {user_name(geteuid()), group_name(getegid())}; }

std::string config_unreadable_problem(const ProcessIdentity& who) {
    return "cannot read it as user " + who.user + " (Permission denied)";
}

std::string config_share_command(const std::string& path, const std::string& group) {
    return "sudo chown root:" + group + " " + path + " && sudo chmod 640 " + path;
}

std::string config_unreadable_fix(const std::string& path, const ProcessIdentity& who) {
    return "let group " + who.group + " read it: " + config_share_command(path, who.group);
}

std::string config_join_group_fix(const ProcessIdentity& who, const std::string& file_group) {
    return "group " + file_group + " may read it: sudo usermod -aG " + file_group + " " + who.user + ", then log in again";
}

std::string config_unreadable_fix(const std::string& path) {
    const ProcessIdentity who = current_identity();
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && (st.st_mode & S_IRGRP) != 0 && st.st_gid != getegid() && st.st_gid != 0) {
        return config_join_group_fix(who, group_name(st.st_gid));
    }
    return config_unreadable_fix(path, who);
}

std::string serial_permission_fix(const std::string& device, const ProcessIdentity& who, const std::string& device_group,
                                  bool in_group) {
    if (in_group) {
        return "user " + who.user + " is in group " + device_group + " but the group may not read and write it: sudo chmod g+rw " +
               device;
    }
    return "user " + who.user + " is not in group " + device_group + ", which owns it: sudo usermod -aG " + device_group + " " +
           who.user + ", then restart dlms2mqtt";
}

std::string serial_permission_fix(const std::string& device) {
    struct stat st {};
    if (stat(device.c_str(), &st) != 0) return serial_permission_fix(device, current_identity(), "dialout", false);
    return serial_permission_fix(device, current_identity(), group_name(st.st_gid), process_in_group(st.st_gid));
}

bool config_readable_by_others(unsigned mode, unsigned owner, unsigned group, unsigned euid, unsigned egid) {
    if ((mode & 007) != 0) return true;
    if ((mode & 070) == 0) return false;
    return !(owner == 0 && euid != 0 && group == egid);
}

}  // namespace bridge
