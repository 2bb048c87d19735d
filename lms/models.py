"""Imports every model module so that metadata is complete (migrations, create_all, tests)."""
from lms.auth.models import (LoginThrottle, PasswordResetToken, RecoveryCode, SecondFactor, User,  # noqa: F401
                             UserSession)
from lms.core.models import AuditLog, Job, Notification  # noqa: F401
from lms.courses.models import (Announcement, Assignment, AssignmentCourse, AssignmentResource,  # noqa: F401
                                CalendarToken, Event, Lesson, LessonProgress,  # noqa: F401
                                LessonResource, Message, MessageThread, OnlineTarget, PlanPeriod, Resource, Submission,
                                SubmissionFile)
from lms.people.models import (Course, Department, DepartmentViewer, Enrollment, Guardianship, Invitation,  # noqa: F401
                               Membership, School, SchoolClass, SchoolYear, Student, Subject, SubjectGrade,
                               Term)
from lms.gradebook.models import (GradeChange, GradeEntry, GradeRemark, PrimaryQuality, PrimaryRecord,  # noqa: F401
                                  ReportCard, TermLock, TermRecord, YearRecord)
from lms.gradebook.transcript.models import (SandboxTransaction, SchoolTranscriptSetup, SectorExport,  # noqa: F401
                                             SignerAccount, SigningItem, SigningRequest, Transcript, TranscriptEvent)
from lms.exams.models import (Attempt, AttemptEvent, AttemptSlot, CategoryShare, Exam, ExamCourse, ExamItem,  # noqa: F401
                              ExamPaper, ExamPaperItem,
                              ExamRule, Override, Question, QuestionCategory, QuestionVersion, Response, SlotGrade)
from lms.billing.models import (Allocation, Counter, CreditNote, Exemption, FeePlan, FeeType, Invoice,  # noqa: F401
                                InvoiceEvent, InvoiceLine, LedgerLine, LedgerTransaction, Payment, Receipt, Refund,
                                StudentAccount)
from lms.billing.models import (BankTransaction, BillingTask, CallbackLog, CardSettlement, ChannelSetting,  # noqa: F401
                                Checkout, ReconciliationItem)
from lms.reports.models import CashlessTarget  # noqa: F401
from lms.attendance.models import AttendanceMark, AttendanceRegister, LeaveRequest  # noqa: F401
from lms.messaging.models import (ChannelAccount, ContactSettings, DigestRun, OutboundMessage,  # noqa: F401
                                  ParentPreference, SandboxMessage, SandboxToken)
