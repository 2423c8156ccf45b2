"""Strings for the organisation commands: units, targets, roster, roles, chat binding, import, audit."""

VI: dict[str, str] = {
    "imp.col.code": "code / mã",
    "imp.col.name": "name / tên (họ tên)",
    "imp.col.kind": "kind / cấp",
    "imp.col.parent_code": "parent_code / mã cấp trên",
    "imp.col.unit_code": "unit_code / mã đơn vị",
    "imp.col.metric": "metric / chỉ số",
    "imp.col.target": "target / chỉ tiêu",
    "imp.col.deadline": "deadline / hạn",
    "imp.col.as_of": "as_of / ngày",
    "imp.col.value": "value / số lượng",
    "imp.col.telegram_id": "telegram_id",
    "imp.col.role": "role / vai trò",
    "imp.col.telegram_chat_id": "telegram_chat_id",
    "imp.col.reminder_time": "reminder_time / giờ nhắc",
    "imp.col.summary_time": "summary_time / giờ tổng hợp",
    "imp.col.day": "day / ngày",
    "imp.col.official": "official / số chính thức",
    # ---- usage lines (shown by /trogiup and on wrong usage)
    "usage.dangky": "<code>/dangky MÃ</code> — mã đăng ký do tổ trưởng cung cấp, ví dụ <code>/dangky K7MX2QPA</code>",
    "usage.madangky": (
        "<code>/madangky</code> — xem mã đăng ký của đơn vị mình (và các đơn vị trực thuộc)\n"
        "<code>/madangky ĐƠN_VỊ</code> — mã của một đơn vị trong phạm vi\n"
        "<code>/madangky doi [ĐƠN_VỊ]</code> — đổi mã mới (mã cũ hết hiệu lực)"
    ),
    "usage.donvi": (
        "<code>/donvi</code> — cây đơn vị (<code>/donvi ds ĐƠN_VỊ [tatca]</code>)\n"
        "<code>/donvi them MÃ Tên đơn vị [cap=thôn] [tren=MÃ_CẤP_TRÊN]</code>\n"
        "<code>/donvi doiten ĐƠN_VỊ Tên mới</code>\n"
        "<code>/donvi chuyen ĐƠN_VỊ ĐƠN_VỊ_CẤP_TRÊN_MỚI</code>\n"
        "<code>/donvi ngung ĐƠN_VỊ</code> (ngừng hoạt động, giữ lịch sử) · <code>/donvi mo ĐƠN_VỊ</code>\n"
        "ĐƠN_VỊ là mã (vd <code>th-3</code>) hoặc tên (vd <code>Thôn 3</code>); "
        "có thể ngăn các phần bằng dấu | (vd <code>/donvi them th-9 | Thôn 9 | thôn | x-tanhoa</code>)"
    ),
    "usage.chitieu": (
        "<code>/chitieu ĐƠN_VỊ [m1|m2] SỐ [hạn dd/mm/yyyy]</code> — ví dụ <code>/chitieu Thôn 3 m2 530 %DEADLINE%</code>\n"
        "<code>/chitieu ĐƠN_VỊ [m2] xoa</code> — bỏ chỉ tiêu riêng (dùng tổng các đơn vị con)\n"
        "<code>/chitieu [ĐƠN_VỊ]</code> — xem chỉ tiêu"
    ),
    "usage.moc": (
        "<code>/moc ĐƠN_VỊ [m1|m2] SỐ [ngày dd/mm/yyyy]</code> — số đã đạt trước khi dùng bot, "
        "ví dụ <code>/moc Thôn 3 m2 405 %TODAY%</code>\n"
        "<code>/moc [ĐƠN_VỊ]</code> — xem số liệu mốc"
    ),
    "usage.thanhvien": (
        "<code>/thanhvien [ĐƠN_VỊ]</code> — danh sách thành viên\n"
        "<code>/thanhvien vaitro NGƯỜI thanhvien|truong|quantri</code>\n"
        "<code>/thanhvien chuyen NGƯỜI ĐƠN_VỊ</code>\n"
        "<code>/thanhvien xoa NGƯỜI</code>\n"
        "NGƯỜI là ID Telegram, @username hoặc họ tên; hoặc trả lời (reply) tin nhắn của người đó."
    ),
    "usage.lienket": (
        "<code>/lienket ĐƠN_VỊ</code> — liên kết nhóm này với đơn vị (gõ trong nhóm)\n"
        "<code>/lienket</code> — xem nhóm đang liên kết với đơn vị nào\n"
        "<code>/lienket huy</code> — bỏ liên kết"
    ),
    "usage.nhap": (
        "Gửi file CSV hoặc Excel (.xlsx) kèm chú thích <code>/nhap</code>, hoặc trả lời (reply) file đó bằng "
        "<code>/nhap</code>. File: units.csv, targets.csv, baselines.csv, members.csv, chats.csv hoặc một file "
        ".xlsx có các trang cùng tên. <code>/nhap mau</code> — nhận file mẫu .xlsx có sẵn các trang và cột."
    ),
    "usage.nhatky": "<code>/nhatky [ĐƠN_VỊ] [số dòng]</code> — các thao tác quản trị gần đây",
    # ---- generic
    "org.yes": "có",
    "org.no": "không",
    "org.none": "(chưa có)",
    "org.no_change": "Không có gì thay đổi: số liệu này đã có sẵn.",
    "org.more": "… và {count} dòng nữa.",
    "org.metric_code": "{code}",
    "org.unknown_unit": "Không tìm thấy đơn vị «{ref}» trong phạm vi của bạn. Gõ /donvi để xem danh sách và mã.",
    "org.ambiguous_unit": "Có nhiều đơn vị khớp «{ref}»: {units}. Hãy dùng mã đơn vị. Bot không thay đổi gì.",
    "org.unit_inactive": "Đơn vị {unit} đã ngừng hoạt động. Bot không thay đổi gì.",
    "org.bad_code": (
        "Mã «{code}» không hợp lệ: mã gồm chữ không dấu, số, dấu - _ . và dài tối đa 32 ký tự "
        "(ví dụ <code>th-3</code>)."
    ),
    "org.bad_name": "Tên đơn vị không được trống và dài tối đa {max} ký tự.",
    "org.bad_value": "Số «{value}» không hợp lệ: cần một số nguyên không âm.",
    "org.bad_date": "Ngày «{value}» không hợp lệ. Viết theo dạng dd/mm/yyyy, ví dụ %DEADLINE%.",
    "org.future_day": "Ngày {day} chưa tới. Số liệu mốc phải tính đến hôm nay hoặc trước đó.",
    "org.unknown_metric": "Bot chưa có chỉ số «{metric}». Các chỉ số hiện có: {known}.",
    "org.code_taken": "Mã «{code}» đã được dùng cho một đơn vị khác. Hãy chọn mã khác.",
    "org.name_taken": "Trong {parent} đã có đơn vị tên «{name}»: {unit}. Hãy đặt tên khác để tránh nhầm lẫn.",
    "org.root_admin_only": "Chỉ quản trị toàn hệ thống (ADMIN_IDS) mới tạo được đơn vị cấp cao nhất. Bot không thay đổi gì.",
    "org.own_unit": "Bạn không thể chuyển hoặc ngừng chính đơn vị {unit} của mình. Nhờ quản trị cấp trên. Bot không thay đổi gì.",
    "org.move_cycle": "Không thể chuyển {unit} vào {parent} vì {parent} nằm bên trong {unit}. Bot không thay đổi gì.",
    "org.parent_inactive": "Đơn vị cấp trên {unit} đang ngừng hoạt động; hãy mở lại đơn vị đó trước.",
    # ---- units
    "org.unit_added": (
        "✅ Đã thêm đơn vị <b>{unit}</b> thuộc {parent}.\n"
        "Mã đăng ký cho thành viên: <code>{join}</code> (thành viên gõ <code>/dangky {join}</code>)."
    ),
    "org.unit_renamed": "✅ Đã đổi tên «{old}» thành <b>{unit}</b>.",
    "org.unit_moved": "✅ Đã chuyển <b>{unit}</b> vào {parent} ({count} đơn vị được cập nhật).",
    "org.unit_deactivated": (
        "✅ Đã ngừng hoạt động {unit} ({count} đơn vị, kể cả đơn vị con). Lịch sử báo cáo vẫn được giữ; "
        "mã đăng ký không dùng được nữa. Mở lại: <code>/donvi mo MÃ</code>."
    ),
    "org.unit_deactivated_members": (
        "⚠️ Còn {count} thành viên thuộc các đơn vị này. Dùng <code>/thanhvien chuyen</code> hoặc "
        "<code>/thanhvien xoa</code> nếu cần."
    ),
    "org.unit_activated": "✅ Đã mở lại đơn vị {unit}.",
    "org.tree_head": "<b>Cây đơn vị</b> (tên, mã, số thành viên):",
    "org.tree_line": "{indent}{name} (<code>{code}</code>) · {members} tv{extra}{off}",
    "org.tree_hidden": " · +{count} đơn vị cấp dưới (xem <code>/donvi ds MÃ</code>)",
    "org.tree_off": " · <i>ngừng hoạt động</i>",
    "org.tree_empty": "Chưa có đơn vị nào. Thêm bằng <code>/donvi them MÃ Tên</code> hoặc nhập file bằng /nhap.",
    # ---- targets and baselines
    "org.target_set": "✅ Chỉ tiêu {metric} của <b>{unit}</b>: <b>{value}</b> (trước: {old}).",
    "org.deadline": "Hạn hoàn thành: {deadline}.",
    "org.parent_sum": "Chỉ tiêu của {unit} (tổng các đơn vị con): {value}.",
    "org.target_cleared": (
        "✅ Đã bỏ chỉ tiêu riêng {metric} của <b>{unit}</b>. Chỉ tiêu hiện tính theo tổng các đơn vị con: {value}."
    ),
    "org.baseline_set": (
        "✅ Số liệu mốc {metric} của <b>{unit}</b>: <b>{value}</b> tính đến ngày {day} (trước: {old}). "
        "Lũy kế = mốc + các báo cáo sau đó."
    ),
    "org.targets_head": "<b>Chỉ tiêu</b> của {unit} và các đơn vị trực thuộc:",
    "org.baselines_head": "<b>Số liệu mốc</b> của {unit} và các đơn vị trực thuộc:",
    "org.values_line": "• {unit}: {values}",
    "org.value_own": "{metric} {value}",
    "org.value_sum": "{metric} {value} (tổng đơn vị con)",
    "org.baseline_value": "{metric} {value} (đến {day})",
    # ---- roster
    "org.bad_join_code": (
        "Mã đăng ký «{code}» không đúng hoặc đã được đổi. Hãy hỏi lại tổ trưởng mã mới. Bot không thay đổi gì."
    ),
    "org.joined": (
        "✅ Chào {name}! Bạn đã vào tổ <b>{unit}</b> với vai trò thành viên. "
        "Từ giờ có thể báo cáo trong nhóm, ví dụ <code>hôm nay 12 mức 2</code>."
    ),
    "org.moved_member": "✅ Đã chuyển bạn sang tổ <b>{unit}</b> với vai trò thành viên.",
    "org.already_member": "Bạn đã ở trong tổ <b>{unit}</b> ({role}). Không cần đăng ký lại.",
    "org.join_confirm": (
        "⚠️ Bạn đang thuộc <b>{old}</b> ({role}). Mã này là của <b>{new}</b>.\n"
        "Nếu chuyển, bạn sẽ thuộc {new} với vai trò thành viên tổ (mất quyền cũ ở {old}).\n"
        "Để chuyển, gõ: <code>/dangky {code} chuyen</code>. Bot chưa thay đổi gì."
    ),
    "org.join_code": (
        "Mã đăng ký của <b>{unit}</b>: {code}\nThành viên gõ <code>/dangky {raw}</code> để vào tổ. "
        "Đổi mã: <code>/madangky doi {ref}</code>."
    ),
    "org.join_code_rotated": (
        "✅ Đã đổi mã đăng ký của <b>{unit}</b>: {code}\nMã cũ không dùng được nữa. "
        "Thành viên đã đăng ký vẫn giữ nguyên."
    ),
    "org.join_code_children": "Mã của các đơn vị trực thuộc:",
    "org.join_code_private": "🔒 Mã đăng ký của các đơn vị khác bot đã gửi riêng cho bạn (không đăng trong nhóm).",
    "org.join_code_private_failed": (
        "🔒 Mã của các đơn vị khác không đăng trong nhóm. Hãy mở chat riêng với bot (bấm vào tên bot → Bắt đầu) "
        "rồi gõ <code>/madangky</code> ở đó."
    ),
    "org.join_code_child": "• {unit}: {code}",
    "org.unknown_member": "Không tìm thấy thành viên «{ref}». Dùng ID Telegram, @username, họ tên, hoặc trả lời tin nhắn của người đó.",
    "org.ambiguous_member": "Có nhiều thành viên khớp «{ref}»: {members}. Hãy dùng ID Telegram.",
    "org.member_scope": "Người dùng này không thuộc phạm vi quản lý của bạn. Bot không thay đổi gì.",
    "org.self": "Bạn không thể tự đổi vai trò, chuyển hoặc xóa chính mình. Nhờ quản trị cấp trên. Bot không thay đổi gì.",
    "org.peer": "{name} có vai trò ngang hoặc cao hơn bạn ở cùng cấp; nhờ quản trị cấp trên. Bot không thay đổi gì.",
    "org.role_above": "Bạn không thể cấp vai trò {role} (cao hơn vai trò của bạn). Bot không thay đổi gì.",
    "org.role_set": "✅ {name} ({unit}): vai trò {old} → <b>{role}</b>.",
    "org.member_removed": "✅ Đã xóa {name} khỏi danh sách tổ {unit}. Các báo cáo cũ vẫn được giữ.",
    "org.member_moved": "✅ Đã chuyển {name} từ {old} sang <b>{unit}</b>.",
    "org.members_head": "<b>Thành viên</b> của {unit}: {count} người",
    "org.members_unit": "<b>{unit}</b>",
    "org.members_line": "• {name} — {role} — ID {id}",
    # ---- chats
    "org.group_only": "Lệnh này dùng trong nhóm chat của đơn vị (không dùng trong tin nhắn riêng).",
    "org.bound": (
        "✅ Đã liên kết nhóm này với <b>{unit}</b>. Báo cáo trong nhóm được ghi cho đơn vị này; "
        "nhắc nhở và tổng hợp sẽ gửi vào đây."
    ),
    "org.bound_others": "Đơn vị này còn liên kết với {count} nhóm khác.",
    "org.already_bound": "Nhóm này đã liên kết với {unit} rồi.",
    "org.bound_status": "Nhóm này đang liên kết với <b>{unit}</b>.",
    "org.unbound_status": "Nhóm này chưa liên kết với đơn vị nào.",
    "org.unbound": "✅ Đã bỏ liên kết nhóm này với {unit}. Bot sẽ không gửi nhắc nhở, tổng hợp vào đây nữa.",
    "org.chat_bound_elsewhere": (
        "Nhóm này đang liên kết với {unit}, ngoài phạm vi của bạn. Nhờ quản trị của đơn vị đó. Bot không thay đổi gì."
    ),
    "org.added_hint": (
        "Xin chào! Để nhận báo cáo trong nhóm này, trưởng thôn hoặc quản trị gõ <code>/lienket MÃ_ĐƠN_VỊ</code>. "
        "Thành viên đăng ký bằng <code>/dangky MÃ</code>."
    ),
    # ---- /nhap in chat
    "org.import_no_file": "Chưa thấy file. Gửi file CSV/XLSX kèm chú thích /nhap, hoặc trả lời file bằng /nhap.",
    "org.import_too_big": "File quá lớn (tối đa {mb} MB). Hãy chia nhỏ file.",
    "org.import_download_failed": "Bot không tải được file này. Vui lòng gửi lại. Bot không thay đổi gì.",
    "org.import_attached": "Danh sách đầy đủ các lỗi trong file đính kèm.",
    # ---- audit
    "org.audit_head": "<b>Nhật ký thao tác</b> — {unit} ({count} mục gần nhất):",
    "org.audit_line": "• {when} · {who} · {action} · {unit} {change}",
    "org.audit_refused_line": "• {when} · {who} · ⛔ từ chối: {action} · {unit} {change}",
    "org.act.other": "{action}",
    "org.act.unit.add": "thêm đơn vị",
    "org.act.unit.rename": "đổi tên đơn vị",
    "org.act.unit.move": "chuyển đơn vị",
    "org.act.unit.deactivate": "ngừng đơn vị",
    "org.act.unit.activate": "mở lại đơn vị",
    "org.act.unit.join_code": "đổi mã đăng ký",
    "org.act.target.set": "đặt chỉ tiêu",
    "org.act.target.clear": "bỏ chỉ tiêu",
    "org.act.baseline.set": "đặt số liệu mốc",
    "org.act.member.join": "đăng ký vào tổ",
    "org.act.member.role": "đổi vai trò",
    "org.act.member.remove": "xóa thành viên",
    "org.act.member.move": "chuyển thành viên",
    "org.act.chat.bind": "liên kết nhóm",
    "org.act.chat.unbind": "bỏ liên kết nhóm",
    "org.act.chat.disabled": "bot bị xóa khỏi nhóm",
    "org.act.chat.enabled": "bot được thêm lại vào nhóm",
    "org.act.chat.migrate": "nhóm nâng cấp thành siêu nhóm",
    "org.act.import": "nhập file",
    # ---- import
    "imp.kind.units": "Đơn vị",
    "imp.kind.targets": "Chỉ tiêu",
    "imp.kind.baselines": "Số liệu mốc",
    "imp.kind.members": "Thành viên",
    "imp.kind.chats": "Nhóm chat",
    "imp.failed": "❌ Chưa nhập gì từ {files}: có {count} lỗi. Sửa các dòng dưới đây rồi gửi lại cả file:",
    "imp.issue": "• {sheet} dòng {row}: {text}",
    "imp.issue_sheet": "• {sheet}: {text}",
    "imp.more_issues": "… và {count} lỗi khác.",
    "imp.fix_hint": (
        "Không có dòng nào được ghi (nhập tất cả hoặc không gì). Các cột cần có: xem file mẫu "
        "(<code>/nhap mau</code>)."
    ),
    "imp.done": "✅ Đã nhập xong {files}:",
    "imp.nothing_changed": "✅ Đã kiểm tra {files}: dữ liệu đã có sẵn, không có gì thay đổi.",
    "imp.checked": "✅ Đã kiểm tra {files}: không có lỗi (chạy thử, chưa ghi gì).",
    "imp.empty": "File {files} không có dòng dữ liệu nào.",
    "imp.count_line": "• {kind}: thêm mới {created}, cập nhật {updated}, không đổi {unchanged}",
    "imp.sheet_skipped": "ℹ️ Bỏ qua trang «{sheet}» (không phải units/targets/baselines/members/chats).",
    "imp.columns_ignored": "ℹ️ {sheet}: bỏ qua cột không dùng: {columns}.",
    "imp.not_admin": "Chỉ quản trị mới được nhập file.",
    "imp.bad_kind": "Loại dữ liệu «{kind}» không có; dùng một trong: {kinds}.",
    "imp.not_utf8": (
        "File không đọc được như bảng CSV (không phải văn bản UTF-8). Bot nhận file Excel (.xlsx) hoặc CSV UTF-8: "
        "trong Excel chọn «Lưu thành» → «CSV UTF-8 (Comma delimited)». File mẫu: <code>/nhap mau</code>."
    ),
    "imp.bad_csv": "File CSV bị lỗi định dạng ({error}).",
    "imp.bad_xlsx": "Không đọc được file Excel. Hãy lưu lại dạng .xlsx.",
    "imp.old_xls": "File Excel cũ (.xls) chưa được hỗ trợ. Hãy lưu thành .xlsx hoặc CSV UTF-8.",
    "imp.too_big": "File quá lớn (tối đa {mb} MB).",
    "imp.empty_sheet": "File trống.",
    "imp.no_sheets": "Không tìm thấy trang dữ liệu nào (units, targets, baselines, members, chats).",
    "imp.unknown_kind": (
        "Không biết file chứa gì: đặt tên file là units.csv, targets.csv, baselines.csv, members.csv hoặc "
        "chats.csv (hoặc don_vi, chi_tieu, moc, thanh_vien, nhom), hoặc ghi loại sau lệnh, ví dụ "
        "<code>/nhap thanhvien</code>. File mẫu: <code>/nhap mau</code>."
    ),
    "imp.missing_columns": "Thiếu cột bắt buộc cho {kind}: {columns}.",
    "imp.duplicate_columns": "Cột bị lặp: {columns}.",
    "imp.required": "thiếu giá trị ở cột {column}.",
    "imp.too_long": "cột {column} dài quá {max} ký tự.",
    "imp.bad_code": "mã «{code}» không hợp lệ (chữ không dấu, số, - _ . ; tối đa 32 ký tự).",
    "imp.duplicate": "«{value}» bị lặp (đã có ở {sheet} dòng {row}).",
    "imp.duplicate_name": "tên «{name}» bị trùng với đơn vị cùng cấp ở {sheet} dòng {row}.",
    "imp.name_taken": "tên «{name}» trùng với đơn vị cùng cấp đã có ({code}).",
    "imp.unknown_unit": "không có đơn vị mã «{code}» (trong file hoặc trong hệ thống).",
    "imp.unknown_parent": "không có đơn vị cấp trên mã «{code}».",
    "imp.self_parent": "đơn vị {code} không thể là cấp trên của chính nó.",
    "imp.cycle": "đơn vị {code} sẽ nằm bên trong chính nó (vòng lặp cấp trên).",
    "imp.unit_scope": "đơn vị {code} ngoài phạm vi của bạn.",
    "imp.parent_scope": "đơn vị cấp trên {code} ngoài phạm vi của bạn.",
    "imp.code_outside": "mã {code} đã thuộc một đơn vị ngoài phạm vi của bạn.",
    "imp.root_admin_only": "đơn vị {code} không có mã cấp trên; chỉ quản trị toàn hệ thống mới tạo được đơn vị cấp cao nhất.",
    "imp.own_unit": "bạn không thể chuyển chính đơn vị {code} của mình.",
    "imp.unit_inactive": "đơn vị {code} đã ngừng hoạt động.",
    "imp.unknown_metric": "chỉ số «{metric}» không có (dùng: {known}).",
    "imp.bad_number": "cột {column}: «{value}» không phải số nguyên không âm.",
    "imp.bad_date": "cột {column}: ngày «{value}» không hợp lệ (dd/mm/yyyy).",
    "imp.future_day": "ngày {day} chưa tới.",
    "imp.bad_user_id": "telegram_id «{value}» không hợp lệ (một số nguyên dương).",
    "imp.bad_role": "vai trò «{value}» không hợp lệ (thành viên / trưởng / quản trị, hoặc member / leader / admin).",
    "imp.role_above": "bạn không thể cấp vai trò {role} (cao hơn vai trò của bạn).",
    "imp.member_outside": "người dùng {id} đang thuộc đơn vị ngoài phạm vi của bạn.",
    "imp.self": "bạn không thể đổi vai trò hay đơn vị của chính mình.",
    "imp.peer": "người dùng {id} có vai trò ngang hoặc cao hơn bạn ở cùng cấp.",
    "imp.bad_chat_id": "telegram_chat_id «{value}» không hợp lệ (ID nhóm là số âm, ví dụ -1001234567890).",
    "imp.chat_outside": "nhóm {id} đang liên kết với đơn vị ngoài phạm vi của bạn.",
    "imp.bad_time": "cột {column}: giờ «{value}» không hợp lệ (HH:MM, ví dụ 16:30).",
}

EN: dict[str, str] = {
    "imp.col.code": "code / mã",
    "imp.col.name": "name / tên (họ tên)",
    "imp.col.kind": "kind / cấp",
    "imp.col.parent_code": "parent_code / mã cấp trên",
    "imp.col.unit_code": "unit_code / mã đơn vị",
    "imp.col.metric": "metric / chỉ số",
    "imp.col.target": "target / chỉ tiêu",
    "imp.col.deadline": "deadline / hạn",
    "imp.col.as_of": "as_of / ngày",
    "imp.col.value": "value / số lượng",
    "imp.col.telegram_id": "telegram_id",
    "imp.col.role": "role / vai trò",
    "imp.col.telegram_chat_id": "telegram_chat_id",
    "imp.col.reminder_time": "reminder_time / giờ nhắc",
    "imp.col.summary_time": "summary_time / giờ tổng hợp",
    "imp.col.day": "day / ngày",
    "imp.col.official": "official / số chính thức",
    "usage.dangky": "<code>/join CODE</code> — the join code from your team leader, e.g. <code>/join K7MX2QPA</code>",
    "usage.madangky": (
        "<code>/joincode</code> — your unit's join code (and those of the units below it)\n"
        "<code>/joincode UNIT</code> — the code of a unit in your scope\n"
        "<code>/joincode new [UNIT]</code> — make a new code (the old one stops working)"
    ),
    "usage.donvi": (
        "<code>/unit</code> — the unit tree (<code>/unit list UNIT [all]</code>)\n"
        "<code>/unit add CODE Unit name [kind=village] [parent=PARENT_CODE]</code>\n"
        "<code>/unit rename UNIT New name</code>\n"
        "<code>/unit move UNIT NEW_PARENT</code>\n"
        "<code>/unit off UNIT</code> (deactivate, history is kept) · <code>/unit on UNIT</code>\n"
        "UNIT is a code (e.g. <code>th-3</code>) or a name (e.g. <code>Thôn 3</code>); "
        "parts may be separated by | (e.g. <code>/unit add th-9 | Thôn 9 | village | x-tanhoa</code>)"
    ),
    "usage.chitieu": (
        "<code>/target UNIT [l1|l2] NUMBER [deadline dd/mm/yyyy]</code> — e.g. <code>/target Thôn 3 l2 530 %DEADLINE%</code>\n"
        "<code>/target UNIT [l2] clear</code> — remove the unit's own target (use the sum of its children)\n"
        "<code>/target [UNIT]</code> — show targets"
    ),
    "usage.moc": (
        "<code>/baseline UNIT [l1|l2] NUMBER [dd/mm/yyyy]</code> — progress made before the bot was used, "
        "e.g. <code>/baseline Thôn 3 l2 405 %TODAY%</code>\n"
        "<code>/baseline [UNIT]</code> — show baselines"
    ),
    "usage.thanhvien": (
        "<code>/member [UNIT]</code> — list members\n"
        "<code>/member role PERSON member|leader|admin</code>\n"
        "<code>/member move PERSON UNIT</code>\n"
        "<code>/member remove PERSON</code>\n"
        "PERSON is a Telegram ID, @username or full name; or reply to a message of that person."
    ),
    "usage.lienket": (
        "<code>/bind UNIT</code> — bind this group to a unit (type it in the group)\n"
        "<code>/bind</code> — show which unit this group is bound to\n"
        "<code>/bind off</code> — unbind"
    ),
    "usage.nhap": (
        "Send a CSV or Excel (.xlsx) file with the caption <code>/import</code>, or reply to the file with "
        "<code>/import</code>. Files: units.csv, targets.csv, baselines.csv, members.csv, chats.csv, or one "
        ".xlsx with sheets of those names. <code>/import template</code> — a ready .xlsx with the sheets and columns."
    ),
    "usage.nhatky": "<code>/audit [UNIT] [lines]</code> — recent admin actions",
    "org.yes": "yes",
    "org.no": "no",
    "org.none": "(none)",
    "org.no_change": "Nothing changed: this is already stored.",
    "org.more": "… and {count} more lines.",
    "org.metric_code": "{code}",
    "org.unknown_unit": "No unit «{ref}» in your scope. Type /unit to see the units and their codes.",
    "org.ambiguous_unit": "Several units match «{ref}»: {units}. Please use the unit code. Nothing was changed.",
    "org.unit_inactive": "Unit {unit} is deactivated. Nothing was changed.",
    "org.bad_code": (
        "Code «{code}» is not valid: use letters without diacritics, digits, - _ . and at most 32 characters "
        "(e.g. <code>th-3</code>)."
    ),
    "org.bad_name": "A unit name must not be empty and has at most {max} characters.",
    "org.bad_value": "«{value}» is not valid: a whole number, not negative, is needed.",
    "org.bad_date": "Date «{value}» is not valid. Write it as dd/mm/yyyy, e.g. %DEADLINE%.",
    "org.future_day": "{day} has not come yet. A baseline is as of today or earlier.",
    "org.unknown_metric": "The bot has no metric «{metric}». Metrics: {known}.",
    "org.code_taken": "Code «{code}» is already used by another unit. Please choose another code.",
    "org.name_taken": "{parent} already has a unit called «{name}»: {unit}. Please choose another name.",
    "org.root_admin_only": "Only global admins (ADMIN_IDS) can create top-level units. Nothing was changed.",
    "org.own_unit": "You cannot move or deactivate your own unit {unit}. Ask a higher-level admin. Nothing was changed.",
    "org.move_cycle": "Cannot move {unit} into {parent}: {parent} is inside {unit}. Nothing was changed.",
    "org.parent_inactive": "The parent unit {unit} is deactivated; reactivate it first.",
    "org.unit_added": (
        "✅ Unit <b>{unit}</b> added under {parent}.\n"
        "Join code for its members: <code>{join}</code> (members type <code>/join {join}</code>)."
    ),
    "org.unit_renamed": "✅ «{old}» renamed to <b>{unit}</b>.",
    "org.unit_moved": "✅ <b>{unit}</b> moved into {parent} ({count} units updated).",
    "org.unit_deactivated": (
        "✅ {unit} deactivated ({count} units, including those below it). Report history is kept; "
        "its join code no longer works. Reactivate: <code>/unit on CODE</code>."
    ),
    "org.unit_deactivated_members": (
        "⚠️ {count} members still belong to these units. Use <code>/member move</code> or "
        "<code>/member remove</code> if needed."
    ),
    "org.unit_activated": "✅ Unit {unit} reactivated.",
    "org.tree_head": "<b>Unit tree</b> (name, code, members):",
    "org.tree_line": "{indent}{name} (<code>{code}</code>) · {members} members{extra}{off}",
    "org.tree_hidden": " · +{count} units below (see <code>/unit list CODE</code>)",
    "org.tree_off": " · <i>deactivated</i>",
    "org.tree_empty": "No units yet. Add one with <code>/unit add CODE Name</code> or import a file with /import.",
    "org.target_set": "✅ {metric} target of <b>{unit}</b>: <b>{value}</b> (was: {old}).",
    "org.deadline": "Deadline: {deadline}.",
    "org.parent_sum": "Target of {unit} (sum of its units): {value}.",
    "org.target_cleared": (
        "✅ The own {metric} target of <b>{unit}</b> was removed. Its target is now the sum of its units: {value}."
    ),
    "org.baseline_set": (
        "✅ {metric} baseline of <b>{unit}</b>: <b>{value}</b> as of {day} (was: {old}). "
        "Cumulative = baseline + the reports after it."
    ),
    "org.targets_head": "<b>Targets</b> of {unit} and the units below it:",
    "org.baselines_head": "<b>Baselines</b> of {unit} and the units below it:",
    "org.values_line": "• {unit}: {values}",
    "org.value_own": "{metric} {value}",
    "org.value_sum": "{metric} {value} (sum of units)",
    "org.baseline_value": "{metric} {value} (as of {day})",
    "org.bad_join_code": "Join code «{code}» is wrong or was changed. Ask your team leader for the new code. Nothing was changed.",
    "org.joined": (
        "✅ Welcome {name}! You joined <b>{unit}</b> as a team member. "
        "You can now report in the group, e.g. <code>hôm nay 12 mức 2</code>."
    ),
    "org.moved_member": "✅ You were moved to <b>{unit}</b> as a team member.",
    "org.already_member": "You are already in <b>{unit}</b> ({role}). No need to join again.",
    "org.join_confirm": (
        "⚠️ You belong to <b>{old}</b> ({role}). This code is for <b>{new}</b>.\n"
        "If you move, you will be a team member of {new} (and lose your role in {old}).\n"
        "To move, type: <code>/join {code} move</code>. Nothing was changed yet."
    ),
    "org.join_code": (
        "Join code of <b>{unit}</b>: {code}\nMembers type <code>/join {raw}</code> to join. "
        "New code: <code>/joincode new {ref}</code>."
    ),
    "org.join_code_rotated": (
        "✅ New join code of <b>{unit}</b>: {code}\nThe old code no longer works. Members who joined stay."
    ),
    "org.join_code_children": "Codes of the units below it:",
    "org.join_code_private": "🔒 The join codes of the other units were sent to you privately (not posted in the group).",
    "org.join_code_private_failed": (
        "🔒 The other units' codes are not posted in the group. Open a private chat with the bot (tap its name → "
        "Start) and type <code>/joincode</code> there."
    ),
    "org.join_code_child": "• {unit}: {code}",
    "org.unknown_member": "No member «{ref}». Use a Telegram ID, @username, full name, or reply to their message.",
    "org.ambiguous_member": "Several members match «{ref}»: {members}. Please use the Telegram ID.",
    "org.member_scope": "This user is outside your scope. Nothing was changed.",
    "org.self": "You cannot change your own role, move or remove yourself. Ask a higher-level admin. Nothing was changed.",
    "org.peer": "{name} has the same or a higher role at your level; ask a higher-level admin. Nothing was changed.",
    "org.role_above": "You cannot grant the role {role} (above your own). Nothing was changed.",
    "org.role_set": "✅ {name} ({unit}): role {old} → <b>{role}</b>.",
    "org.member_removed": "✅ {name} removed from the roster of {unit}. Their old reports are kept.",
    "org.member_moved": "✅ {name} moved from {old} to <b>{unit}</b>.",
    "org.members_head": "<b>Members</b> of {unit}: {count}",
    "org.members_unit": "<b>{unit}</b>",
    "org.members_line": "• {name} — {role} — ID {id}",
    "org.group_only": "Use this command in the unit's group chat (not in a private chat).",
    "org.bound": (
        "✅ This group is now bound to <b>{unit}</b>. Reports here are stored for that unit; "
        "reminders and summaries will be sent here."
    ),
    "org.bound_others": "This unit is also bound to {count} other group(s).",
    "org.already_bound": "This group is already bound to {unit}.",
    "org.bound_status": "This group is bound to <b>{unit}</b>.",
    "org.unbound_status": "This group is not bound to any unit.",
    "org.unbound": "✅ This group is no longer bound to {unit}. No more reminders or summaries here.",
    "org.chat_bound_elsewhere": (
        "This group is bound to {unit}, outside your scope. Ask that unit's admin. Nothing was changed."
    ),
    "org.added_hint": (
        "Hello! To take reports in this group, a leader or admin types <code>/bind UNIT_CODE</code>. "
        "Members join with <code>/join CODE</code>."
    ),
    "org.import_no_file": "No file found. Send a CSV/XLSX file with the caption /import, or reply to the file with /import.",
    "org.import_too_big": "The file is too big (at most {mb} MB). Please split it.",
    "org.import_download_failed": "The bot could not download this file. Please send it again. Nothing was changed.",
    "org.import_attached": "The full list of problems is in the attached file.",
    "org.audit_head": "<b>Audit log</b> — {unit} ({count} latest entries):",
    "org.audit_line": "• {when} · {who} · {action} · {unit} {change}",
    "org.audit_refused_line": "• {when} · {who} · ⛔ refused: {action} · {unit} {change}",
    "org.act.other": "{action}",
    "org.act.unit.add": "unit added",
    "org.act.unit.rename": "unit renamed",
    "org.act.unit.move": "unit moved",
    "org.act.unit.deactivate": "unit deactivated",
    "org.act.unit.activate": "unit reactivated",
    "org.act.unit.join_code": "join code changed",
    "org.act.target.set": "target set",
    "org.act.target.clear": "target removed",
    "org.act.baseline.set": "baseline set",
    "org.act.member.join": "joined",
    "org.act.member.role": "role changed",
    "org.act.member.remove": "member removed",
    "org.act.member.move": "member moved",
    "org.act.chat.bind": "group bound",
    "org.act.chat.unbind": "group unbound",
    "org.act.chat.disabled": "bot removed from group",
    "org.act.chat.enabled": "bot added back to group",
    "org.act.chat.migrate": "group became a supergroup",
    "org.act.import": "file imported",
    "imp.kind.units": "Units",
    "imp.kind.targets": "Targets",
    "imp.kind.baselines": "Baselines",
    "imp.kind.members": "Members",
    "imp.kind.chats": "Chats",
    "imp.failed": "❌ Nothing was imported from {files}: {count} problem(s). Fix the rows below and send the whole file again:",
    "imp.issue": "• {sheet} row {row}: {text}",
    "imp.issue_sheet": "• {sheet}: {text}",
    "imp.more_issues": "… and {count} more problems.",
    "imp.fix_hint": "No row was written (all or nothing). The columns: see the template (<code>/import template</code>).",
    "imp.done": "✅ Imported {files}:",
    "imp.nothing_changed": "✅ Checked {files}: everything is already stored, nothing changed.",
    "imp.checked": "✅ Checked {files}: no problems (dry run, nothing written).",
    "imp.empty": "{files} has no data rows.",
    "imp.count_line": "• {kind}: {created} new, {updated} updated, {unchanged} unchanged",
    "imp.sheet_skipped": "ℹ️ Sheet «{sheet}» skipped (not units/targets/baselines/members/chats).",
    "imp.columns_ignored": "ℹ️ {sheet}: unused columns ignored: {columns}.",
    "imp.not_admin": "Only admins can import files.",
    "imp.bad_kind": "There is no kind «{kind}»; use one of: {kinds}.",
    "imp.not_utf8": (
        "The file cannot be read as a CSV table (it is not UTF-8 text). The bot takes Excel (.xlsx) or CSV UTF-8: "
        "in Excel use «Save as» → «CSV UTF-8 (Comma delimited)». A template: <code>/import template</code>."
    ),
    "imp.bad_csv": "The CSV file is malformed ({error}).",
    "imp.bad_xlsx": "The Excel file cannot be read. Please save it again as .xlsx.",
    "imp.old_xls": "Old Excel files (.xls) are not supported. Save it as .xlsx or CSV UTF-8.",
    "imp.too_big": "The file is too big (at most {mb} MB).",
    "imp.empty_sheet": "The file is empty.",
    "imp.no_sheets": "No data sheet found (units, targets, baselines, members, chats).",
    "imp.unknown_kind": (
        "Cannot tell what the file holds: name it units.csv, targets.csv, baselines.csv, members.csv or "
        "chats.csv (or don_vi, chi_tieu, moc, thanh_vien, nhom), or name the kind after the command, e.g. "
        "<code>/import members</code>. A template: <code>/import template</code>."
    ),
    "imp.missing_columns": "Required columns missing for {kind}: {columns}.",
    "imp.duplicate_columns": "Repeated columns: {columns}.",
    "imp.required": "no value in column {column}.",
    "imp.too_long": "column {column} is longer than {max} characters.",
    "imp.bad_code": "code «{code}» is not valid (letters without diacritics, digits, - _ . ; at most 32 characters).",
    "imp.duplicate": "«{value}» is repeated (already in {sheet} row {row}).",
    "imp.duplicate_name": "name «{name}» is the same as a sibling unit in {sheet} row {row}.",
    "imp.name_taken": "name «{name}» is the same as an existing sibling unit ({code}).",
    "imp.unknown_unit": "there is no unit with code «{code}» (in the file or the system).",
    "imp.unknown_parent": "there is no parent unit with code «{code}».",
    "imp.self_parent": "unit {code} cannot be its own parent.",
    "imp.cycle": "unit {code} would end up inside itself (a parent loop).",
    "imp.unit_scope": "unit {code} is outside your scope.",
    "imp.parent_scope": "parent unit {code} is outside your scope.",
    "imp.code_outside": "code {code} belongs to a unit outside your scope.",
    "imp.root_admin_only": "unit {code} has no parent code; only global admins can create top-level units.",
    "imp.own_unit": "you cannot move your own unit {code}.",
    "imp.unit_inactive": "unit {code} is deactivated.",
    "imp.unknown_metric": "metric «{metric}» does not exist (use: {known}).",
    "imp.bad_number": "column {column}: «{value}» is not a whole, non-negative number.",
    "imp.bad_date": "column {column}: date «{value}» is not valid (dd/mm/yyyy).",
    "imp.future_day": "{day} has not come yet.",
    "imp.bad_user_id": "telegram_id «{value}» is not valid (a positive whole number).",
    "imp.bad_role": "role «{value}» is not valid (member / leader / admin, or thành viên / trưởng / quản trị).",
    "imp.role_above": "you cannot grant the role {role} (above your own).",
    "imp.member_outside": "user {id} belongs to a unit outside your scope.",
    "imp.self": "you cannot change your own role or unit.",
    "imp.peer": "user {id} has the same or a higher role at your level.",
    "imp.bad_chat_id": "telegram_chat_id «{value}» is not valid (group ids are negative, e.g. -1001234567890).",
    "imp.chat_outside": "chat {id} is bound to a unit outside your scope.",
    "imp.bad_time": "column {column}: time «{value}» is not valid (HH:MM, e.g. 16:30).",
}
