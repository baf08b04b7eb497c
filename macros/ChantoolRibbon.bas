Attribute VB_Name = "ChantoolRibbon"
Option Explicit

' The chantool ribbon tab (customUI14.xml) calls ChantoolButton for every button.
' The button id goes to chantool.xl.ribbon.dispatch, which does the work on the
' active workbook and shows the message; Python keeps the logic, VBA stays thin.
' VBA source stays ASCII: Chinese text is written as UTF-16 code points (Zh).

Public Sub ChantoolButton(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox Zh("8BF7 5148 6253 5F00 8981 5904 7406 7684 5DE5 4F5C 7C3F"), vbInformation, Zh("6E20 9053 5DE5 5177")
        Exit Sub
    End If
    RunPython "import chantool.xl.ribbon as ribbon; ribbon.dispatch('" & control.Id & "')"
End Sub

' Text from space-separated hexadecimal UTF-16 code points, e.g. Zh("6E20 9053").
Private Function Zh(codes As String) As String
    Dim code As Variant
    For Each code In Split(codes, " ")
        Zh = Zh & ChrW(CLng("&H" & code))
    Next code
End Function
