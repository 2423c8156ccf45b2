"""The permission matrices: commands a plain member (and a leader of another commune) must be refused.

tests/test_org_e2e.py::test_permission_matrix runs the org commands, tests/test_permissions_leader_views.py
the leader views and schedules; tests/test_security.py checks that together they name every privileged
command."""

ORG_GROUP_COMMANDS = [  # typed in the demo commune's group
    "/lienket th-3",
    "/lienket x-binhan",
    "/lienket huy",
    "/bind th-5",
]
ORG_COMMANDS = [  # typed in the caller's own chat
    "/donvi",
    "/donvi them th-x Thôn X",
    "/donvi them | th-y | Thôn Y | thôn | x-tanhoa",
    "/donvi doiten th-3 Thôn Ba",
    "/donvi chuyen th-3 th-5",
    "/donvi ngung th-3",
    "/donvi mo th-3",
    "/unit add th-z Thôn Z",
    "/chitieu",
    "/chitieu th-3 m2 600 31/12/2025",
    "/chitieu Thôn 3 mức 2 xoa",
    "/target th-3 l1 700",
    "/moc th-3",
    "/moc th-3 m2 420 10/08/2025",
    "/baseline th-5 l2 10",
    "/thanhvien",
    "/thanhvien th-3",
    "/thanhvien vaitro 2003 trưởng",
    "/thanhvien vaitro 2003 quản trị",
    "/thanhvien chuyen 2003 th-5",
    "/thanhvien xoa 2003",
    "/member role 2005 admin",
    "/madangky th-3",
    "/madangky doi th-3",
    "/joincode new th-5",
    "/nhatky",
    "/nhatky th-3 50",
    "/audit",
    "/nhap",
]
# typed by a plain member of Thôn 3 in the commune group: every one is a leader command
LEADER_COMMANDS = [
    "/tonghop", "/summary", "/xephang", "/rank", "/chuabaocao", "/missing", "/bieudo", "/chart",
    "/xuat", "/export", "/xuat csv", "/lich", "/lich nhac 17:00", "/lich tat", "/lich nghi 02/01/2026 Nghỉ",
    "/schedule summary 21:00", "/sua 15 nhầm", "/fix delete", "/chinhthuc th-3 m2 420",
    "/official th-3 l2 420 13/08", "/chiso", "/indicator add xx | X | X | xx", "/chiso ngung l1",
    "/kieuxacnhan camxuc", "/confirmstyle reaction", "/kieuxacnhan",
]
