// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Every word the reviewer's screen shows, in Vietnamese (the default) and English, and the
// review reasons of docs/review-reasons.md rendered from their codes. All text is NFC.

const kStorageKey = 'phieu.lang';
export const kLanguages = ['vi', 'en'];

const kUi = {
  vi: {
    app_title: 'Phiếu — duyệt phiếu',
    login_heading: 'Đăng nhập',
    login_user: 'Tên đăng nhập',
    login_password: 'Mật khẩu',
    login_submit: 'Đăng nhập',
    login_failed: 'Sai tên đăng nhập hoặc mật khẩu.',
    login_throttled: 'Thử sai quá nhiều lần. Vui lòng đợi một lát rồi thử lại.',
    logout: 'Đăng xuất',
    lang_switch: 'English',
    lang_switch_label: 'Chuyển sang tiếng Anh (English)',
    help_button: 'Phím tắt (?)',
    signed_in_as: 'Đăng nhập: {user} ({role})',
    role_admin: 'quản trị',
    role_reviewer: 'người duyệt',
    role_clerk: 'nhân viên quét',
    queue_open: 'Chờ duyệt',
    queue_others: 'Người khác giữ',
    queue_mine: 'Bạn đã duyệt',
    queue_rate: 'Mục/phút',
    loading: 'Đang tải…',
    queue_empty: 'Không còn mục nào chờ bạn duyệt. Cảm ơn!',
    queue_empty_hint: 'Mục mới (từ đợt quét tiếp theo) sẽ hiện ra khi có: nhấn R để kiểm tra lại.',
    no_review_role: 'Tài khoản này không có quyền duyệt phiếu.',
    sheet: 'Phiếu số',
    page: 'trang',
    field: 'Câu',
    kind_single: 'chọn một',
    kind_multi: 'chọn nhiều',
    kind_multi_max: 'chọn tối đa {max}',
    kind_scale: 'thang đánh giá',
    kind_digits: 'chữ số',
    kind_text: 'chữ viết tay',
    machine_reading: 'Máy đọc được',
    reason: 'Lý do cần duyệt',
    confidence: 'Độ tin cậy',
    your_answer: 'Câu trả lời của bạn',
    no_answer: '(không trả lời)',
    illegible: 'Không đọc được',
    unreadable_mark: '(không đọc được)',
    state_marked: 'có đánh dấu',
    state_empty: 'trống',
    state_cancelled: 'đã hủy',
    ink: 'mực {pct}%',
    crop_alt: 'Ảnh quét của câu {field}, phiếu {serial}',
    crop_missing: 'Không có ảnh cắt cho câu này: nhấn Z để xem cả trang.',
    draft_label: 'Bản nháp của máy — sửa rồi nhấn Enter',
    digits_only: 'Chỉ nhập chữ số (0–9). Không đọc được thì nhấn Esc rồi X.',
    choose_one: 'Câu này chỉ chọn một: nhấn số của phương án đúng, 0 nếu để trống, X nếu không đọc được.',
    history_badge: 'Đã duyệt — đang xem lại ({pos}/{count})',
    decided_by: 'Đã quyết định: {who}, {at}',
    field_history: 'Lịch sử của câu này',
    history_row: '{at} · {who}: {old} → {new}',
    entity_decision: 'quyết định',
    entity_undo: 'hoàn tác',
    resolved_elsewhere: 'Mục này không còn là của bạn: nhấn Enter để sang mục tiếp theo.',
    saved: 'Đã lưu.',
    undone: 'Đã hoàn tác quyết định cho câu {field}, phiếu {serial}.',
    nothing_to_undo: 'Chưa có quyết định nào để hoàn tác.',
    conflict: 'Không lưu được: {detail} Mục đã được tải lại với dữ liệu mới nhất.',
    conflict_default: 'mục này đã thay đổi hoặc đang do người khác giữ.',
    conflict_stale: 'mục này đã được quyết định hoặc thay đổi (có thể bởi người khác) sau khi bạn mở nó.',
    conflict_leased: 'một người duyệt khác đang giữ mục này.',
    session_expired: 'Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.',
    forbidden: 'Bạn không có quyền thực hiện thao tác này.',
    error: 'Lỗi: {detail}',
    network_error: 'Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.',
    history_none: 'Chưa có mục nào đã duyệt để xem lại.',
    page_view_title: 'Cả trang {page} — phiếu {serial}',
    page_view_close: 'Đóng (Esc)',
    page_view_legend: 'Xanh lá: đã nhận · Cam: chờ duyệt · Xanh dương: đã duyệt · Viền đậm: câu đang duyệt',
    page_missing: 'Máy chủ không có ảnh quét của trang này: các câu được vẽ trên trang trắng.',
    help_title: 'Phím tắt',
    help_close: 'Đóng (Esc)',
    key_digit: 'Chọn phương án số n (câu chọn nhiều: bật/tắt); 10–12: gõ nhanh hai chữ số',
    key_zero: 'Không trả lời (để trống)',
    key_x: 'Không đọc được (khác với để trống)',
    key_enter: 'Chấp nhận và sang mục tiếp theo',
    key_f2: 'Chữ số, chữ viết tay: quay lại ô nhập để sửa bản nháp',
    key_u: 'Hoàn tác quyết định gần nhất',
    key_jk: 'Xem lại các mục đã duyệt (K/← lùi, J/→ tới)',
    key_z: 'Xem cả trang với mọi câu',
    key_help: 'Danh sách phím tắt',
    key_esc: 'Đóng cửa sổ; trong ô nhập: rời ô nhập',
    key_r: 'Tải lại hàng đợi',
    key_l: 'Đổi ngôn ngữ (tiếng Việt / English)',
    key_hint: '1–9 chọn · 0 trống · X không đọc được · Enter chấp nhận · U hoàn tác · J/K xem lại · Z cả trang · ? phím tắt',
    // The re-check (phúc tra, recheck.js).
    rc_open: 'Phúc tra',
    rc_back: 'Về màn hình duyệt',
    rc_title: 'Phúc tra phiếu',
    rc_tab_entry: 'Nhập lại (không xem lần đầu)',
    rc_tab_settle: 'Giải quyết chênh lệch',
    rc_tab_report: 'Mức thống nhất',
    rc_keys: '1–9 chọn · 0 trống · X không đọc được · Enter câu tiếp / gửi ở câu cuối · ← hoặc K câu trước · L ngôn ngữ',
    rc_page_missing: 'Không có ảnh trang này: xem phiếu giấy.',
    rc_none: 'Không còn phiếu nào chờ bạn phúc tra.',
    rc_entering: 'Phiếu {serial}: nhập lại {n} câu theo bản quét, không xem giá trị lần đầu.',
    rc_type_it: 'Nhập đúng như trên phiếu',
    rc_illegible: 'không đọc được',
    rc_blank: 'không trả lời',
    rc_saved: 'Đã lưu phiếu {serial}.',
    rc_settle_count: '{open} chênh lệch chờ giải quyết (tổng {all}).',
    rc_settle_none: 'Chưa có chênh lệch nào.',
    rc_col_sheet: 'Phiếu',
    rc_col_field: 'Câu',
    rc_col_first: 'Lần đầu',
    rc_col_blind: 'Nhập lại',
    rc_col_settled: 'Giá trị chốt',
    rc_machine: 'máy đọc',
    rc_keep_first: 'Giữ lần đầu',
    rc_keep_blind: 'Lấy giá trị nhập lại',
    rc_summary: 'Đã chọn {drawn} phiếu, đã nhập lại {entered}; {equal}/{fields} câu trùng khớp ({share}); kappa thang đánh giá {kappa}; chênh lệch: {open} chờ, {settled} đã chốt.',
    rc_by_field: 'Theo câu hỏi',
    rc_by_reviewer: 'Theo người nhập lại',
    rc_by_unit: 'Theo đơn vị',
    rc_residual: 'Sai số còn lại của giá trị máy đã chấp nhận (khoảng tin cậy 95%, Wilson)',
    rc_col_fields: 'Số câu',
    rc_col_equal: 'Trùng',
    rc_col_agreement: 'Tỷ lệ thống nhất',
    rc_col_reviewer: 'Người nhập lại',
    rc_col_unit: 'Đơn vị',
    rc_col_kind: 'Loại',
    rc_col_accepted: 'Đã chấp nhận',
    rc_col_wrong: 'Sai',
    rc_col_error: 'Tỷ lệ sai',
    rc_col_interval: 'Khoảng 95%',
    rc_col_unsettled: 'Chưa chốt',
    rc_kind_boxes: 'ô đánh dấu',
    rc_kind_digits: 'chữ số',
    rc_kind_text: 'chữ viết',
    view_review: 'Từng mục',
    view_group: 'Theo nhóm',
    view_sheet: 'Xem phiếu',
    views_label: 'Màn hình',
    group_title: 'Duyệt theo nhóm',
    group_pick: 'Câu hỏi',
    group_option: '{field} — {label} (chờ duyệt {open}, máy đã nhận {accepted})',
    group_mode_open: 'Mục chờ duyệt',
    group_mode_accepted: 'Kiểm tra ngẫu nhiên (máy đã nhận)',
    group_confirm: 'Xác nhận cả màn hình (Enter)',
    group_legend: '{n} ô cắt, mỗi ô ghi giá trị máy đọc. Sai ô nào: nhấn vào ô (hoặc dùng phím mũi tên) rồi gõ số phương án; 0 để trống, X không đọc được. Enter xác nhận tất cả.',
    group_empty: 'Nhóm này không còn mục nào. Chọn câu hỏi khác.',
    group_none: 'Chưa có câu hỏi nào để duyệt theo nhóm.',
    group_rate: 'Đã xác nhận {n} mục ({rate} mục/phút).',
    group_saved: 'Đã lưu {n} mục ({refused} không lưu được: giá trị không hợp lệ hoặc đã bị thay đổi — các ô đó vẫn còn trên màn hình). {rate} mục/phút.',
    // Group verification goes on to the next question by itself (issue 16, group leases).
    group_next_question: 'Câu {done} đã xong — chuyển sang câu {field}.',
    sheet_open: 'Mở phiếu',
    sheet_legend: 'Xanh lá: máy đã nhận · Cam: chờ duyệt · Xanh dương: người đã quyết định (viền xanh dương quanh ô người chọn) · Nhấn vào một câu để xem và sửa.',
    sheet_not_found: 'Không có trang nào của phiếu {serial} được quét.',
    sheet_pick_field: 'Nhấn vào một câu trên trang để xem máy đọc gì, lịch sử và sửa.',
    sheet_correct: 'Sửa giá trị',
    sheet_save: 'Lưu',
    sheet_no_history: 'Chưa ai sửa câu này.',
    view_desk: 'Bàn nhân viên',
    desk_unidentified: 'Trang chưa nhận ra được ({n})',
    desk_thumb_alt: 'Ảnh thu nhỏ: {file}, trang {page}',
    desk_no_thumb: '(không lưu ảnh thu nhỏ)',
    desk_missing: 'Phiếu thiếu trang, theo đơn vị',
    desk_missing_row: 'Phiếu {serial}: thiếu trang {pages}',
    desk_unknown_unit: 'Chưa rõ đơn vị',
    desk_print: 'In danh sách',
    desk_progress: 'Tiến độ theo đơn vị (đơn vị chậm nhất ở trên)',
    desk_unit: 'Đơn vị',
    desk_quota: 'Chỉ tiêu',
    desk_scanned: 'Đã quét',
    desk_complete: 'Hoàn tất',
    desk_waiting: 'Chờ duyệt',
    desk_incomplete: 'Thiếu trang',
    desk_share: 'Đạt chỉ tiêu',
    desk_none: 'Không có.',
    align_blank: 'Trang trắng',
    align_no_anchors: 'Không thấy mã QR định vị',
    align_foreign_code: 'Mã QR không thuộc khảo sát này',
    align_unknown_template: 'Mẫu phiếu chưa đăng ký',
    align_unknown_version: 'Phiên bản mẫu chưa đăng ký',
    align_inconsistent_anchors: 'Các mã QR không khớp nhau',
    align_poor_fit: 'Không căn chỉnh được trang',
    align_unreadable: 'Không đọc được ảnh',
  },
  en: {
    app_title: 'Phiếu — review',
    login_heading: 'Sign in',
    login_user: 'User name',
    login_password: 'Password',
    login_submit: 'Sign in',
    login_failed: 'Wrong user name or password.',
    login_throttled: 'Too many attempts. Please wait a moment and try again.',
    logout: 'Sign out',
    lang_switch: 'Tiếng Việt',
    lang_switch_label: 'Switch to Vietnamese (Tiếng Việt)',
    help_button: 'Keys (?)',
    signed_in_as: 'Signed in: {user} ({role})',
    role_admin: 'admin',
    role_reviewer: 'reviewer',
    role_clerk: 'clerk',
    queue_open: 'Waiting',
    queue_others: 'Held by others',
    queue_mine: 'You decided',
    queue_rate: 'Items/min',
    loading: 'Loading…',
    queue_empty: 'Nothing left for you to review. Thank you!',
    queue_empty_hint: 'New items (from the next scanned batch) appear when they exist: press R to check again.',
    no_review_role: 'This account may not review.',
    sheet: 'Sheet',
    page: 'page',
    field: 'Field',
    kind_single: 'one answer',
    kind_multi: 'several answers',
    kind_multi_max: 'at most {max} answers',
    kind_scale: 'rating scale',
    kind_digits: 'digits',
    kind_text: 'handwriting',
    machine_reading: 'Machine read',
    reason: 'Why it is here',
    confidence: 'Confidence',
    your_answer: 'Your answer',
    no_answer: '(no answer)',
    illegible: 'Illegible',
    unreadable_mark: '(illegible)',
    state_marked: 'marked',
    state_empty: 'empty',
    state_cancelled: 'cancelled',
    ink: 'ink {pct}%',
    crop_alt: 'Scan of field {field}, sheet {serial}',
    crop_missing: 'No crop kept for this field: press Z to see the whole page.',
    draft_label: 'Machine draft — edit, then press Enter',
    digits_only: 'Digits only (0–9). Illegible: press Esc, then X.',
    choose_one: 'One answer only: press the number of the right option, 0 for blank, X for illegible.',
    history_badge: 'Decided — reviewing again ({pos}/{count})',
    decided_by: 'Decided by {who}, {at}',
    field_history: 'This field\'s history',
    history_row: '{at} · {who}: {old} → {new}',
    entity_decision: 'decision',
    entity_undo: 'undo',
    resolved_elsewhere: 'This item is no longer yours: press Enter for the next one.',
    saved: 'Saved.',
    undone: 'Undid the decision on field {field}, sheet {serial}.',
    nothing_to_undo: 'No decision to undo yet.',
    conflict: 'Not saved: {detail} The item was reloaded with its latest data.',
    conflict_default: 'this item changed or is held by someone else.',
    conflict_stale: 'this item was decided or changed (perhaps by someone else) after you opened it.',
    conflict_leased: 'another reviewer holds this item.',
    session_expired: 'Your session expired. Please sign in again.',
    forbidden: 'You may not do this.',
    error: 'Error: {detail}',
    network_error: 'Cannot reach the server. Check the network and try again.',
    history_none: 'Nothing decided yet to look back at.',
    page_view_title: 'Whole page {page} — sheet {serial}',
    page_view_close: 'Close (Esc)',
    page_view_legend: 'Green: accepted · Orange: waiting for review · Blue: decided · Thick outline: this field',
    page_missing: 'The server has no scan of this page: the fields are drawn on a blank page.',
    help_title: 'Keys',
    help_close: 'Close (Esc)',
    key_digit: 'Choose option n (several-answer question: toggle); 10–12: type two digits quickly',
    key_zero: 'No answer (left blank)',
    key_x: 'Illegible (kept apart from blank)',
    key_enter: 'Accept and move on',
    key_f2: 'Digits, handwriting: back into the input to edit the draft',
    key_u: 'Undo the last decision',
    key_jk: 'Look back through what you decided (K/← back, J/→ forward)',
    key_z: 'The whole page with every field',
    key_help: 'This list of keys',
    key_esc: 'Close a window; in an input: leave the input',
    key_r: 'Reload the queue',
    key_l: 'Switch language (Tiếng Việt / English)',
    key_hint: '1–9 choose · 0 blank · X illegible · Enter accept · U undo · J/K look back · Z page · ? keys',
    // The re-check (phúc tra, recheck.js).
    rc_open: 'Re-check',
    rc_back: 'Back to review',
    rc_title: 'Re-check (phúc tra)',
    rc_tab_entry: 'Blind entry',
    rc_tab_settle: 'Settle disagreements',
    rc_tab_report: 'Agreement',
    rc_keys: '1–9 choose · 0 blank · X illegible · Enter next field / submit on the last · ← or K previous · L language',
    rc_page_missing: 'No image of this page: look at the paper form.',
    rc_none: 'No sheet is waiting for your re-check.',
    rc_entering: 'Sheet {serial}: enter its {n} fields again from the scan, without the first values.',
    rc_type_it: 'Type it as written on the form',
    rc_illegible: 'illegible',
    rc_blank: 'no answer',
    rc_saved: 'Sheet {serial} saved.',
    rc_settle_count: '{open} disagreements to settle ({all} in all).',
    rc_settle_none: 'No disagreement yet.',
    rc_col_sheet: 'Sheet',
    rc_col_field: 'Field',
    rc_col_first: 'First value',
    rc_col_blind: 'Blind entry',
    rc_col_settled: 'Settled value',
    rc_machine: 'machine',
    rc_keep_first: 'Keep the first',
    rc_keep_blind: 'Take the blind entry',
    rc_summary: '{drawn} sheets drawn, {entered} entered again; {equal}/{fields} fields equal ({share}); kappa of the scale items {kappa}; disagreements: {open} waiting, {settled} settled.',
    rc_by_field: 'By field',
    rc_by_reviewer: 'By second reviewer',
    rc_by_unit: 'By unit',
    rc_residual: 'Residual error of accepted machine values (95% Wilson interval)',
    rc_col_fields: 'Fields',
    rc_col_equal: 'Equal',
    rc_col_agreement: 'Agreement',
    rc_col_reviewer: 'Second reviewer',
    rc_col_unit: 'Unit',
    rc_col_kind: 'Kind',
    rc_col_accepted: 'Accepted',
    rc_col_wrong: 'Wrong',
    rc_col_error: 'Error',
    rc_col_interval: '95% interval',
    rc_col_unsettled: 'Unsettled',
    rc_kind_boxes: 'boxes',
    rc_kind_digits: 'digits',
    rc_kind_text: 'text',
    view_review: 'One item',
    view_group: 'By group',
    view_sheet: 'Sheet view',
    views_label: 'Screens',
    group_title: 'Group verification',
    group_pick: 'Question',
    group_option: '{field} — {label} ({open} waiting, {accepted} accepted by the machine)',
    group_mode_open: 'Waiting for review',
    group_mode_accepted: 'Spot check (accepted by the machine)',
    group_confirm: 'Confirm the whole screen (Enter)',
    group_legend: '{n} crops, each labelled with the machine\'s value. A wrong one: click it (or move with the arrows) and type the option\'s number; 0 blank, X illegible. Enter confirms them all.',
    group_empty: 'Nothing left in this group. Choose another question.',
    group_none: 'No question to verify by group yet.',
    group_rate: 'Confirmed {n} items ({rate} items/minute).',
    group_saved: 'Saved {n} items ({refused} not saved: a value that does not fit, or changed meanwhile — those crops stay on the screen). {rate} items/minute.',
    // Group verification goes on to the next question by itself (issue 16, group leases).
    group_next_question: 'Question {done} is done: on to {field}.',
    sheet_open: 'Open sheet',
    sheet_legend: 'Green: accepted by the machine · Orange: waiting for review · Blue: decided by a person (blue outline around the box a person chose) · Click a field to see and correct it.',
    sheet_not_found: 'No page of sheet {serial} was scanned.',
    sheet_pick_field: 'Click a field on the page to see what the machine read, its history, and correct it.',
    sheet_correct: 'Correct the value',
    sheet_save: 'Save',
    sheet_no_history: 'Nobody has changed this field yet.',
    view_desk: 'Clerk desk',
    desk_unidentified: 'Pages not identified ({n})',
    desk_thumb_alt: 'Thumbnail: {file}, page {page}',
    desk_no_thumb: '(no thumbnail kept)',
    desk_missing: 'Sheets missing pages, by unit',
    desk_missing_row: 'Sheet {serial}: page {pages} missing',
    desk_unknown_unit: 'Unit unknown',
    desk_print: 'Print the list',
    desk_progress: 'Progress per unit (the units behind first)',
    desk_unit: 'Unit',
    desk_quota: 'Quota',
    desk_scanned: 'Scanned',
    desk_complete: 'Complete',
    desk_waiting: 'Waiting for review',
    desk_incomplete: 'Pages missing',
    desk_share: 'Share of quota',
    desk_none: 'None.',
    align_blank: 'Blank page',
    align_no_anchors: 'No QR anchors found',
    align_foreign_code: 'QR code from another survey',
    align_unknown_template: 'Template not registered',
    align_unknown_version: 'Template version not registered',
    align_inconsistent_anchors: 'The QR anchors disagree',
    align_poor_fit: 'The page could not be aligned',
    align_unreadable: 'The image could not be read',
  },
};

// docs/review-reasons.md: code -> [Vietnamese, English] templates over the code's params.
const kReasons = {
  box_uncertain: ['ô {box}: chưa chắc chắn', 'box {box}: uncertain'],
  box_nearly_filled: ['ô {box}: gần như tô kín — đánh dấu hay hủy?',
    'box {box}: nearly filled, mark or cancellation?'],
  heavy_mark: ['ô {box}: tô đậm — đánh dấu hay hủy?', 'box {box}: heavy shading, mark or cancellation?'],
  faint_mark: ['ô {box}: dấu mờ', 'box {box}: faint mark'],
  faint_ink: ['ô {box}: mực nhạt', 'box {box}: faint ink'],
  broken_faint_stroke: ['ô {box}: nét mờ, đứt đoạn', 'box {box}: broken faint stroke'],
  scattered_ink: ['ô {box}: mực rải rác', 'box {box}: scattered ink'],
  circled_box: ['ô {box}: được khoanh tròn thay vì đánh dấu', 'box {box}: circled rather than ticked'],
  mark_outside_box: ['ô {box}: dấu nằm phần lớn bên ngoài ô', 'box {box}: mark mostly outside the box'],
  crease_through_box: ['ô {box}: nếp gấp hoặc vệt quét cắt qua ô — dấu đánh hay nếp gấp?',
    'box {box}: a fold or streak crosses the box — a mark or the crease?'],
  faint_smudge: ['ô {box}: vết nhòe mờ — dấu hay vết tẩy?', 'box {box}: faint smudge, mark or eraser residue?'],
  box_not_found: ['ô {box}: không tìm thấy viền ô', 'box {box}: box outline not found'],
  two_marks_single: ['{count} ô được đánh dấu trong câu chỉ chọn một',
    '{count} boxes marked in a one-answer question'],
  over_max: ['đánh dấu {count} ô, chỉ được chọn tối đa {max}', '{count} marked, at most {max} allowed'],
  faint_replacement: ['ô {box}: dấu mờ cạnh một ô đã tô kín — câu trả lời sửa lại hay nét thừa?',
    'box {box}: a faint mark beside a filled box: the corrected answer, or a stray?'],
  fill_beside_cross: ['{count} ô tô kín cạnh dấu X — sửa lại hay chọn thêm?',
    '{count} box(es) filled beside a cross: a correction or another choice?'],
  label_circled: ['phương án {option}: nhãn được khoanh tròn, ô để trống',
    'option {option}: its label is circled, its box left empty'],
  label_marked: ['phương án {option}: có nét bút ở nhãn, ô để trống',
    'option {option}: a pen mark at its label, its box left empty'],
  cancelled_no_replacement: ['dấu đã bị hủy, không có lựa chọn thay thế', 'mark cancelled with no replacement'],
  required_blank_faint: ['câu bắt buộc chưa được trả lời (thấy vết mực mờ)',
    'required question unanswered (faint ink seen)'],
  required_blank: ['câu bắt buộc chưa được trả lời', 'required question unanswered'],
  required_blank_ink_beside: ['câu bắt buộc chưa được trả lời (có nét bút cạnh các ô)',
    'required question unanswered (pen marks beside its boxes)'],
  ink_beside_boxes: ['không ô nào được đánh dấu, nhưng có nét bút cạnh các ô',
    'no box marked, but pen marks beside the boxes'],
  no_digit_model: ['không có mô hình nhận dạng chữ số ({detail})', 'no digit model ({detail})'],
  digits_unclear: null,  // see RenderReason: the parenthesis depends on a parameter.
  digit_gap: ['có ô trống giữa các chữ số', 'empty cell between digits'],
  digit_out_of_range: ['{value} nằm ngoài khoảng {min}–{max}', '{value} is outside {min}-{max}'],
  handwriting_no_ocr: ['có chữ viết tay, không có OCR: hãy chép lại',
    'handwriting present, no OCR engine: transcribe'],
  handwriting_ocr_empty: ['có chữ viết tay, OCR không đọc được gì: hãy chép lại',
    'handwriting present, OCR read nothing: transcribe'],
  handwriting_check_draft: ['chữ viết tay: kiểm tra bản chép của máy', 'handwriting: check the draft transcription'],
  legacy: ['{text}', '{text}'],
  low_confidence: ['độ tin cậy thấp', 'low confidence'],
};

let current = 'vi';

/// The language to start in: the one remembered from last time, else Vietnamese.
export function InitLanguage(storage = globalThis.localStorage) {
  let saved = null;
  try { saved = storage ? storage.getItem(kStorageKey) : null; } catch { saved = null; }
  current = kLanguages.includes(saved) ? saved : 'vi';
  return current;
}

export function Language() { return current; }

/// Switches the language and remembers it for the next visit.
export function SetLanguage(lang, storage = globalThis.localStorage) {
  if (!kLanguages.includes(lang)) return current;
  current = lang;
  try { if (storage) storage.setItem(kStorageKey, lang); } catch { /* private mode: not kept */ }
  return current;
}

function Fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    (params && params[name] !== undefined && params[name] !== null) ? String(params[name]) : whole);
}

/// The UI string `key` in the current language with {name} placeholders filled.
export function T(key, params) {
  const table = kUi[current] || kUi.vi;
  const text = table[key] ?? kUi.en[key] ?? key;
  return Fill(text, params).normalize('NFC');
}

function ParamsObject(params) {
  if (!params) return {};
  if (Array.isArray(params)) {  // [[name, value], ...] or [{name, value}, ...]
    const out = {};
    for (const p of params) {
      if (Array.isArray(p)) out[p[0]] = p[1];
      else if (p && typeof p === 'object' && 'name' in p) out[p.name] = p.value;
    }
    return out;
  }
  return params;
}

/// One reason {code, params} in words, in the current language. An unknown code falls back to
/// `fallback` (the server's English text) and else to the code itself.
export function RenderReason(reason, fallback = '') {
  const code = reason && reason.code;
  const params = ParamsObject(reason && reason.params);
  const vi = current === 'vi';
  let text = null;
  if (code === 'digits_unclear') {
    const over = Number(params.over_border || 0);
    text = vi ? `${params.count} chữ số không rõ` : `${params.count} digit(s) unclear`;
    if (over > 0) text += vi ? ` (${over} viết đè lên viền ô)` : ` (${over} written over the cell border)`;
  } else if (code && Object.prototype.hasOwnProperty.call(kReasons, code) && kReasons[code]) {
    text = Fill(kReasons[code][vi ? 0 : 1], params);
  } else {
    text = fallback || code || '';
  }
  return text.normalize('NFC');
}

/// Every reason of an item in words. `reasons` is [{code, params}]; `english` is the server's
/// English text (used for unknown codes, and alone when there are no codes).
export function RenderReasons(reasons, english = '') {
  if (!Array.isArray(reasons) || reasons.length === 0) return english ? [english] : [];
  const parts = english ? english.split(/;\s*/) : [];
  return reasons.map((r, i) => RenderReason(r, reasons.length === parts.length ? parts[i] : english));
}

/// The known reason codes (tests check they match docs/review-reasons.md).
export function ReasonCodes() { return Object.keys(kReasons); }

/// The UI keys of one language (tests check both languages have the same keys).
export function UiKeys(lang) { return Object.keys(kUi[lang] || {}); }
