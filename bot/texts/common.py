"""Common strings: start, help, command descriptions, roles, generic errors."""

VI: dict[str, str] = {
    "start.member": "Chào {name}! Bot đã sẵn sàng nhận báo cáo VNeID của tổ mình.",
    "start.stranger": (
        "Chào {name}! Đây là bot báo cáo tiến độ VNeID của Tổ công nghệ số cộng đồng.\n"
        "Bạn chưa có trong danh sách tổ. Hãy xin <b>mã đăng ký</b> của thôn/xã từ tổ trưởng, "
        "rồi gõ: <code>/dangky MÃ</code>"
    ),
    "help.title": "<b>Hướng dẫn dùng bot báo cáo VNeID</b>",
    "help.report": (
        "Cách báo cáo: gõ bình thường trong nhóm, ví dụ\n"
        "• <code>{unit} hôm nay 12 mức 2</code>\n"
        "• <code>hqua 8 m1, 5 m2</code>\n"
        "• <code>/baocao 12</code> (cho thôn của bạn)\n"
        "Gõ <code>/baocao +5</code> để cộng thêm vào số đã báo, <code>/huy</code> để hủy báo cáo vừa gửi."
    ),
    "help.section.none": "<b>Chung</b>",
    "help.section.member": "<b>Thành viên tổ</b>",
    "help.section.leader": "<b>Trưởng thôn / lãnh đạo xã</b>",
    "help.section.admin": "<b>Quản trị</b>",
    "help.line": "/{name} (/{alias}) — {desc}",
    "help.privacy": (
        "⚠️ Bot đang chỉ nhận được lệnh trong nhóm này. Để bot đọc được tin báo cáo thường, "
        "quản trị nhóm hãy tắt chế độ riêng tư (BotFather → /setprivacy → Disable) hoặc đặt bot làm quản trị nhóm."
    ),
    "cmd.start": "bắt đầu",
    "cmd.trogiup": "hướng dẫn sử dụng",
    "cmd.dangky": "đăng ký vào tổ bằng mã đăng ký",
    "cmd.baocao": "báo cáo số liệu hôm nay",
    "cmd.huy": "hủy báo cáo vừa gửi",
    "cmd.tiendo": "xem tiến độ",
    "cmd.tonghop": "tổng hợp trong ngày",
    "cmd.xephang": "xếp hạng các đơn vị",
    "cmd.chuabaocao": "đơn vị, thành viên chưa báo cáo",
    "cmd.bieudo": "biểu đồ tiến độ",
    "cmd.xuat": "xuất file Excel/CSV",
    "cmd.madangky": "xem mã đăng ký của đơn vị",
    "cmd.donvi": "quản lý đơn vị (thêm, đổi tên, chuyển, danh sách)",
    "cmd.chitieu": "đặt chỉ tiêu",
    "cmd.moc": "nhập số liệu đã đạt trước khi dùng bot",
    "cmd.thanhvien": "quản lý thành viên và vai trò",
    "cmd.lienket": "liên kết nhóm chat này với đơn vị",
    "cmd.lich": "giờ nhắc, giờ tổng hợp, ngày nghỉ",
    "cmd.nhap": "nhập danh sách từ file CSV/Excel",
    "cmd.nhatky": "xem nhật ký thao tác",
    "role.none": "người dùng",
    "role.member": "thành viên tổ",
    "role.leader": "trưởng thôn/lãnh đạo",
    "role.admin": "quản trị",
    "err.unknown_command": "Bot chưa hiểu lệnh /{command}. Gõ /trogiup để xem các lệnh.",
    "err.internal": "Xin lỗi, bot gặp sự cố khi xử lý tin này. Số liệu chưa bị thay đổi, vui lòng thử lại sau ít phút.",
    "err.not_member": (
        "Bạn chưa có trong danh sách tổ nên chưa dùng được lệnh /{command}. "
        "Xin mã đăng ký từ tổ trưởng rồi gõ <code>/dangky MÃ</code>."
    ),
    "err.role": "Lệnh /{command} chỉ dành cho {role}. Bot không thay đổi gì.",
    "err.scope": "Đơn vị {unit} không thuộc phạm vi của bạn. Bot không thay đổi gì.",
    "err.usage": "Cách dùng: {usage}",
    "usage.start": "<code>/start</code> — lời chào và cách báo cáo",
    "usage.trogiup": "<code>/trogiup</code> — các lệnh; <code>/trogiup TÊN_LỆNH</code> — cách dùng một lệnh, ví dụ <code>/trogiup chitieu</code>",
    "usage.baocao": (
        "<code>/baocao [đơn vị] [ngày] SỐ [m1|m2]</code> — ví dụ <code>/baocao 12</code>, "
        "<code>/baocao Thôn 3 12 m2</code>, <code>/baocao hqua 8</code>, <code>/baocao +5</code> (cộng thêm)"
    ),
    "usage.huy": "<code>/huy</code> — hủy báo cáo gần nhất của bạn (trong thời hạn sửa số liệu)",
    "help.footer": "Gõ <code>/trogiup TÊN_LỆNH</code> để xem cách dùng một lệnh, ví dụ <code>/trogiup baocao</code>.",
    "help.command": "<b>/{name}</b> (/{alias}) — {desc}\n{usage}",
    "help.no_such": "Không có lệnh /{command}. Gõ /trogiup để xem các lệnh.",
}

EN: dict[str, str] = {
    "start.member": "Hello {name}! The bot is ready to take your team's VNeID reports.",
    "start.stranger": (
        "Hello {name}! This is the VNeID progress bot of the community digital-technology teams.\n"
        "You are not on a team roster yet. Ask your team leader for the unit's <b>join code</b>, "
        "then type: <code>/dangky CODE</code>"
    ),
    "help.title": "<b>How to use the VNeID report bot</b>",
    "help.report": (
        "How to report: just type in the group, for example\n"
        "• <code>{unit} hôm nay 12 mức 2</code>\n"
        "• <code>hqua 8 m1, 5 m2</code>\n"
        "• <code>/report 12</code> (for your own village)\n"
        "Type <code>/report +5</code> to add to what you reported, <code>/undo</code> to undo the report you just sent."
    ),
    "help.section.none": "<b>General</b>",
    "help.section.member": "<b>Team members</b>",
    "help.section.leader": "<b>Leaders</b>",
    "help.section.admin": "<b>Admins</b>",
    "help.line": "/{alias} (/{name}) — {desc}",
    "help.privacy": (
        "⚠️ The bot only receives commands in this group. To let it read ordinary report messages, a group "
        "admin should disable privacy mode (BotFather → /setprivacy → Disable) or make the bot a group admin."
    ),
    "cmd.start": "start",
    "cmd.trogiup": "how to use the bot",
    "cmd.dangky": "join a team with its join code",
    "cmd.baocao": "report today's figures",
    "cmd.huy": "undo the report you just sent",
    "cmd.tiendo": "show progress",
    "cmd.tonghop": "today's summary",
    "cmd.xephang": "ranking of units",
    "cmd.chuabaocao": "units and members that have not reported",
    "cmd.bieudo": "progress chart",
    "cmd.xuat": "export to Excel/CSV",
    "cmd.madangky": "show the unit's join code",
    "cmd.donvi": "manage units (add, rename, move, list)",
    "cmd.chitieu": "set targets",
    "cmd.moc": "enter progress made before the bot was used",
    "cmd.thanhvien": "manage members and roles",
    "cmd.lienket": "bind this group chat to a unit",
    "cmd.lich": "reminder and summary times, days off",
    "cmd.nhap": "import from a CSV/Excel file",
    "cmd.nhatky": "show the audit log",
    "role.none": "users",
    "role.member": "team members",
    "role.leader": "leaders",
    "role.admin": "admins",
    "err.unknown_command": "The bot does not know /{command}. Type /help to see the commands.",
    "err.internal": "Sorry, something went wrong while handling this message. No figures were changed; please try again in a few minutes.",
    "err.not_member": (
        "You are not on a team roster yet, so you cannot use /{command}. "
        "Ask your team leader for the join code, then type <code>/dangky CODE</code>."
    ),
    "err.role": "/{command} is for {role} only. Nothing was changed.",
    "err.scope": "Unit {unit} is outside your scope. Nothing was changed.",
    "err.usage": "Usage: {usage}",
    "usage.start": "<code>/start</code> — greeting and how to report",
    "usage.trogiup": "<code>/help</code> — the commands; <code>/help COMMAND</code> — how to use one, e.g. <code>/help target</code>",
    "usage.baocao": (
        "<code>/report [unit] [day] NUMBER [m1|m2]</code> — e.g. <code>/report 12</code>, "
        "<code>/report Thôn 3 12 m2</code>, <code>/report hqua 8</code>, <code>/report +5</code> (adds)"
    ),
    "usage.huy": "<code>/undo</code> — undo your latest report (within the correction window)",
    "help.footer": "Type <code>/help COMMAND</code> to see how to use a command, e.g. <code>/help report</code>.",
    "help.command": "<b>/{alias}</b> (/{name}) — {desc}\n{usage}",
    "help.no_such": "There is no /{command} command. Type /help to see the commands.",
}
