// The fixes for "Permission denied" on the config file and the serial port. Each names the user
// the process runs as, the group that needs access and the command that grants it, because the
// usual cause is an install step that left out the service's user or group.
#pragma once

#include <string>

namespace bridge {

// Names of the effective user and its primary group ("uid N" / "gid N" when they have none).
struct ProcessIdentity {
    std::string user;
    std::string group;
};
ProcessIdentity current_identity();

// The config file could not be opened for reading (EACCES): the problem and the fix, with the
// file left readable by root and the service's group only.
std::string config_unreadable_problem(const ProcessIdentity& who);
std::string config_unreadable_fix(const std::string& path, const ProcessIdentity& who);
// The same for a file its group may already read (file_group, not the user's own group): the
// user joins that group, rather than taking the file away from the service.
std::string config_join_group_fix(const ProcessIdentity& who, const std::string& file_group);
// For this process and the file as it is now (stat).
std::string config_unreadable_fix(const std::string& path);
// "sudo chown root:GROUP PATH && sudo chmod 640 PATH": readable by root and that group only.
std::string config_share_command(const std::string& path, const std::string& group);

// The serial device could not be opened (EACCES). device_group is the group owning the device,
// in_group whether the process is a member of it.
std::string serial_permission_fix(const std::string& device, const ProcessIdentity& who, const std::string& device_group,
                                  bool in_group);
// The same for this process and the device as it is now (stat, getgroups).
std::string serial_permission_fix(const std::string& device);

// Whether a config file's mode lets a user other than its owner and the service's group read
// it: group read is fine when root owns the file and the group is the one the process runs as
// (root:dlms2mqtt 0640, as the package installs it).
bool config_readable_by_others(unsigned mode, unsigned owner, unsigned group, unsigned euid, unsigned egid);

}  // namespace bridge
